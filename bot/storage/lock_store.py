"""Rasa's Redis lock store, pointed by one URL (REDIS_URL), for running several Rasa server processes.

Each conversation is handled by one process at a time: the lock store orders the turns of a conversation
whose messages land on different processes. scripts/run.sh switches it on when REDIS_URL is set.

Rasa 3.6 changes a conversation's ticket lock by read-modify-write (get, change, save), which two processes
can interleave: both get ticket 0, or one's release overwrites the other's new ticket, and two turns of one
conversation then run at once and lose an event (seen in tests/integration/test_scale.py). Each of those
changes runs here under a short Redis mutex (redis-py's Lock: SET NX with a token and an expiry).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional, Text
from urllib.parse import unquote, urlparse

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

from bot.settings import redis_url

MUTEX_SECONDS = 5  # far longer than one get-change-save; expires on its own if a process dies holding it


def redis_parts(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL must look like redis://[:password@]host:port/db")
    db = parsed.path.strip("/")
    return {"host": parsed.hostname or "localhost", "port": parsed.port or 6379,
            "db": int(db) if db.isdigit() else 1, "password": unquote(parsed.password) if parsed.password else None,
            "use_ssl": parsed.scheme == "rediss"}


class UrlRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[Any] = None, url: Optional[str] = None) -> None:
        super().__init__(**redis_parts(url or redis_url()), key_prefix="iop")

    @contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        with self.red.lock(f"iop:lock-mutex:{conversation_id}", timeout=MUTEX_SECONDS,
                           blocking_timeout=MUTEX_SECONDS * 2):
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            # Rasa's cleanup calls finish_serving; the mutex is not re-entrant, so do its work here.
            RedisLockStore.finish_serving(self, conversation_id, ticket_number)
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)
