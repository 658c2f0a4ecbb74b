"""Rasa's SQL tracker store, pointed by one URL (TRACKER_DATABASE_URL, DATABASE_URL, or var/tracker.db)."""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Iterator, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.settings import tracker_database_url

# The trackers saved while one message is handled, for the channel guard's checks after the turn
# (bot/channels/guard.py): it reads them here instead of loading the whole conversation again.
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


class UrlSQLTrackerStore(SQLTrackerStore):
    """Rasa's own SQLTrackerStore; only the connection settings come from a URL in the environment."""

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

    # Rasa's save counts the conversation's stored events with a query to know which events are new. A
    # tracker this store read or wrote already says how many are stored, so that query is skipped for it
    # (one conversation's turns are serialised by the lock store, so nobody else adds events meanwhile).
    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            tracker.iop_stored_events = len(tracker.events)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, "iop_stored_events", None)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Kept for the guard even when the database fails: the tracker in hand is the turn as it happened
        # (a risk message in a paused conversation must still get the crisis reply).
        saved = _saved.get()
        if saved is not None:
            saved[tracker.sender_id] = tracker
        await super().save(tracker)
        tracker.iop_stored_events = len(tracker.events)
