"""Engine and sessions for the project's own database (DATABASE_URL, SQLite under var/ by default)."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator, Optional, Type, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.settings import database_url

T = TypeVar("T")


class StorageError(RuntimeError):
    """The database could not be reached or refused a write."""


def get_engine(url: Optional[str] = None) -> Engine:
    """One engine (and connection pool) per database URL; the URL is resolved on every call."""
    return _engine_for(url or database_url())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            # WAL lets the Rasa server read while the action server writes.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def get_row(model: Type[T], row_id: int, what: str, url: Optional[str] = None) -> Optional[T]:
    """One row by its id, or None; any database failure as a StorageError naming what was being read."""
    try:
        with session_scope(url) as session:
            return session.get(model, row_id)
    except Exception as exc:
        raise StorageError(f"could not read {what} ({type(exc).__name__})") from exc
