"""Throwaway PostgreSQL and Redis servers from Debian's packages (installed when missing and allowed), each
on a free port with its data in a temp folder: for `make bench` and the tests (tests/pg.py)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional


class MissingServer(RuntimeError):
    """The server is not installed and cannot be installed here."""


def free_port(consecutive: int = 1) -> int:
    """A free port on 127.0.0.1, with the next `consecutive - 1` ports free too (RASA_SERVERS needs them)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if all(port_free(port + i) for i in range(1, consecutive)):
            return port
    raise RuntimeError("no free ports")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _apt_install(package: str) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise MissingServer(f"{package} is not installed and cannot be installed here: apt-get install {package}")
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)


def postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def install_postgres() -> Path:
    if postgres_bin() is None:
        _apt_install("postgresql")
    found = postgres_bin()
    if found is None:
        raise MissingServer("PostgreSQL's server binaries are missing after apt-get install postgresql")
    return found


def install_redis() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if found is None:
        _apt_install("redis-server")
        found = "/usr/bin/redis-server"
    return found


def _as_owner(argv: List[str]) -> List[str]:
    # PostgreSQL refuses to run as root; Debian's package creates the postgres user for it.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class PostgresServer:
    """One throwaway cluster; stop() and start() again keep its data (for database-down tests). The tests turn
    fsync off for speed; the bench keeps it as shipped, like a real install."""

    def __init__(self, database: str = "iop_test", fsync: bool = False, max_connections: int = 100) -> None:
        self.bindir = install_postgres()
        self.folder = Path(tempfile.mkdtemp(prefix="iop-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self.options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        f"-c max_connections={max_connections}" + ("" if fsync else " -c fsync=off"))
        subprocess.run(_as_owner([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                                  "--auth=trust", "-E", "UTF8"]), check=True, stdout=subprocess.DEVNULL)
        self.start()
        subprocess.run([str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                        "-c", f"CREATE DATABASE {database}"], check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def pid(self) -> int:
        with open(self.data / "postmaster.pid") as f:
            return int(f.readline())

    def start(self) -> None:
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", self.options,
                                  "-l", str(self.folder / "log"), "-w", "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A throwaway Redis on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([install_redis(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.pid = self.proc.pid
        for _ in range(100):
            if not port_free(self.port):
                break
            time.sleep(0.1)
        self.url = f"redis://127.0.0.1:{self.port}/1"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
