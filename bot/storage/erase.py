"""Deleting one person's conversation when they ask ("delete my chat"), and old ones by retention.

Rasa's tracker store has no delete, and it writes a turn's events only after the turn: the project's
rows are deleted by the action, the transcript by the channel guard once Rasa has saved the turn
(bot/server/channels/guard.py). An open urgent handoff is kept: it holds no message text, and a person who
wrote about their safety must still be followed up.
"""
from __future__ import annotations

import logging
from typing import Dict, Iterable, Optional

from sqlalchemy import MetaData, Table, create_engine, delete
from sqlalchemy.engine import Engine

from bot.core.settings import tracker_database_url
from bot.storage.db import StorageError, session_scope
from bot.storage.models import CallbackRequest, Handoff, MessageDelivery, ScreeningResult

DELETE_ACTION = "action_delete_conversation"
logger = logging.getLogger(__name__)


def erase_project_rows(conversation_id: str, url: Optional[str] = None) -> Dict[str, int]:
    try:
        with session_scope(url) as session:
            counts = {name: session.execute(delete(model).where(model.conversation_id == conversation_id)).rowcount
                      for name, model in (("screening_results", ScreeningResult),
                                          ("callback_requests", CallbackRequest),
                                          ("message_deliveries", MessageDelivery))}
            counts["handoffs"] = session.execute(
                delete(Handoff).where(Handoff.conversation_id == conversation_id,
                                      (Handoff.status == "closed") | (Handoff.urgency == "routine"))).rowcount
            return counts
    except Exception as exc:  # SQLAlchemy's errors carry the URL and parameters: keep them out of logs
        raise StorageError(f"could not delete the conversation's records ({type(exc).__name__})") from exc


def delete_events(engine: Engine, sender_ids: Iterable[str]) -> int:
    """Deletes every event of these conversations from Rasa's SQL tracker store; returns how many ids."""
    try:
        events = Table("events", MetaData(), autoload_with=engine)
    except Exception:  # no conversation stored yet
        return 0
    senders = list(sender_ids)
    with engine.begin() as conn:
        for start in range(0, len(senders), 500):
            conn.execute(delete(events).where(events.c.sender_id.in_(senders[start:start + 500])))
    return len(senders)


def forget_review_labels(engine: Engine, conversation_id: str, url: Optional[str] = None) -> int:
    """Review labels of this conversation's messages (bot/console/review.py keys them by event id and time). Only
    "delete my chat" calls it: the retention purge leaves labels, which keep only masked text."""
    try:
        events = Table("events", MetaData(), autoload_with=engine)
    except Exception:  # no conversation stored yet
        return 0
    from sqlalchemy import select

    from bot.storage.models import ReviewLabel

    with engine.connect() as conn:
        keys = [f"{row.id}:{float(row.timestamp):.6f}" for row in conn.execute(
            select(events.c.id, events.c.timestamp).where(events.c.sender_id == conversation_id,
                                                          events.c.type_name == "user"))]
    deleted = 0
    with session_scope(url) as session:
        for start in range(0, len(keys), 500):
            deleted += session.execute(delete(ReviewLabel).where(ReviewLabel.item_key.in_(keys[start:start + 500]))
                                       ).rowcount
    return deleted


def erase_transcript(conversation_id: str, tracker_url: Optional[str] = None) -> None:
    engine = create_engine(tracker_url or tracker_database_url(), future=True)
    try:
        try:
            forget_review_labels(engine, conversation_id)
        except Exception as exc:  # the transcript still goes
            logger.warning("could not delete the review labels of a deleted conversation (%s)", type(exc).__name__)
        delete_events(engine, [conversation_id])
    except Exception as exc:
        raise StorageError(f"could not delete the transcript ({type(exc).__name__})") from exc
    finally:
        engine.dispose()
