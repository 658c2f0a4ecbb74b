"""Rasa's SQL tracker store, pointed by one URL (TRACKER_DATABASE_URL, DATABASE_URL, or var/tracker.db)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Iterator, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.server.rasa_seam import CountingSQLTrackerStore
from bot.core.settings import tracker_database_url

# The trackers saved while one message is handled, for the channel guard's checks after the turn
# (bot/server/channels/guard.py): it reads them here instead of loading the whole conversation again.
_saved: ContextVar[Optional[Dict[str, DialogueStateTracker]]] = ContextVar("iop_saved_trackers", default=None)


@contextmanager
def remember_saved() -> Iterator[Dict[str, DialogueStateTracker]]:
    """While open, every tracker this store is asked to save in the current task is kept by conversation id."""
    saved: Dict[str, DialogueStateTracker] = {}
    token = _saved.set(saved)
    try:
        yield saved
    finally:
        _saved.reset(token)


class UrlSQLTrackerStore(CountingSQLTrackerStore):
    """Rasa's own SQLTrackerStore (through bot/server/rasa_seam.py, which skips Rasa's recount of stored events for a
    tracker it has just read or written); the connection settings come from a URL in the environment."""

    def __init__(self, domain: Optional[Domain] = None, event_broker: Optional[EventBroker] = None,
                 url: Optional[Text] = None, host: Optional[Text] = None, **kwargs: Any) -> None:
        # Rasa passes the endpoint's `url` as `host`; the connection comes from the environment instead.
        parsed = make_url(url or tracker_database_url())
        super().__init__(
            domain=domain,
            event_broker=event_broker,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database,
            username=parsed.username,
            password=parsed.password,
            **kwargs,
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Kept for the guard even when the database fails: the tracker in hand is the turn as it happened
        # (a risk message in a paused conversation must still get the crisis reply).
        saved = _saved.get()
        if saved is not None:
            saved[tracker.sender_id] = tracker
        await super().save(tracker)
