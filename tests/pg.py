"""Throwaway PostgreSQL and Redis servers for the tests: Debian's packages, installed when missing, and a new
cluster in a temp folder on a free port, stopped and removed afterwards."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.servers import free_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def install_postgres() -> Path:
    if postgres_bin() is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail("PostgreSQL is not installed and cannot be installed here: apt-get install postgresql")
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
    found = postgres_bin()
    if found is None:
        pytest.fail("PostgreSQL's server binaries are missing after apt-get install postgresql")
    return found


def _as_owner(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package creates the postgres user for it.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class PostgresServer:
    """One throwaway cluster; stop() and start() again keep its data (for database-down tests)."""

    def __init__(self) -> None:
        self.bindir = install_postgres()
        self.folder = Path(tempfile.mkdtemp(prefix="iop-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        subprocess.run(_as_owner([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                                  "--auth=trust", "-E", "UTF8"]), check=True, stdout=subprocess.DEVNULL)
        self.start()
        subprocess.run([str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                        "-c", "CREATE DATABASE iop_test"], check=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/iop_test"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                                  "-l", str(self.folder / "log"), "-w", "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.remove()


def install_redis() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                             else None)
    if found is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail("Redis is not installed and cannot be installed here: apt-get install redis-server")
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "redis-server"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
        found = "/usr/bin/redis-server"
    return found


@pytest.fixture(scope="session")
def redis_url():
    """A throwaway Redis server (Debian's package, installed when missing) on a free port, no persistence."""
    import time

    binary, port = install_redis(), free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import socket

    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
