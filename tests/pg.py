"""Fixtures for throwaway PostgreSQL and Redis servers (tools/local_servers.py): Debian's packages,
installed when missing, stopped and removed afterwards."""
from __future__ import annotations

import pytest

from tools import local_servers
from tools.local_servers import MissingServer


def started(server_class):
    """A throwaway server, or a clear test failure when Debian's package cannot be installed."""
    try:
        return server_class()
    except MissingServer as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def postgres_url():
    server = started(local_servers.PostgresServer)
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture(scope="session")
def redis_url():
    server = started(local_servers.RedisServer)
    try:
        yield server.url
    finally:
        server.stop()
