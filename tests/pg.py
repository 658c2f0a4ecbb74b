"""Fixtures for throwaway PostgreSQL and Redis servers (bot/tools/local_servers.py): Debian's packages,
installed when missing, stopped and removed afterwards."""
from __future__ import annotations

import pytest

from bot.tools import local_servers
from bot.tools.local_servers import MissingServer


class PostgresServer(local_servers.PostgresServer):
    def __init__(self) -> None:
        try:
            super().__init__()
        except MissingServer as exc:
            pytest.fail(str(exc))


@pytest.fixture(scope="session")
def postgres_url():
    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture(scope="session")
def redis_url():
    try:
        server = local_servers.RedisServer()
    except MissingServer as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        server.stop()
