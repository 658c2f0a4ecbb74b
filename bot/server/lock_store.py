"""Rasa's Redis lock store, pointed by one URL (REDIS_URL), for running several Rasa server processes.

Each conversation is handled by one process at a time: the lock store orders the turns of a conversation
whose messages land on different processes. scripts/run.sh switches it on when REDIS_URL is set.

Rasa 3.6 changes a conversation's ticket lock by read-modify-write, which two processes can interleave;
bot/server/rasa_seam.MutexRedisLockStore (the one seam to Rasa's internals) runs each change under a short Redis
mutex. This class only adds the connection from a URL.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import unquote, urlparse

from bot.server.rasa_seam import MutexRedisLockStore
from bot.core.settings import redis_url

MUTEX_SECONDS = MutexRedisLockStore.MUTEX_SECONDS


def redis_parts(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL must look like redis://[:password@]host:port/db")
    db = parsed.path.strip("/")
    return {"host": parsed.hostname or "localhost", "port": parsed.port or 6379,
            "db": int(db) if db.isdigit() else 1, "password": unquote(parsed.password) if parsed.password else None,
            "use_ssl": parsed.scheme == "rediss"}


class UrlRedisLockStore(MutexRedisLockStore):
    def __init__(self, endpoint_config: Optional[Any] = None, url: Optional[str] = None) -> None:
        super().__init__(**redis_parts(url or redis_url()), key_prefix="iop")
