"""Rasa's SQL tracker store, pointed by one URL (TRACKER_DATABASE_URL, DATABASE_URL, or var/tracker.db)."""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.settings import tracker_database_url


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
