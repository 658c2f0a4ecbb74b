"""The handoff queue: conversations waiting for a person, most urgent first."""
from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select

from bot.storage.db import StorageError, session_scope
from bot.storage.models import URGENCIES, Handoff, utcnow

_RANK = {u: i for i, u in enumerate(URGENCIES)}  # lower is more urgent


def request_handoff(conversation_id: str, channel: str, reason: str, urgency: str = "routine",
                    category: Optional[str] = None, url: Optional[str] = None) -> int:
    """Open a handoff, or raise the urgency of the one already open for this conversation."""
    if urgency not in _RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    try:
        with session_scope(url) as session:
            open_one = session.execute(
                select(Handoff)
                .where(Handoff.conversation_id == conversation_id, Handoff.status != "closed")
                .order_by(Handoff.id.desc())
            ).scalars().first()
            if open_one is not None:
                if _RANK[urgency] < _RANK.get(open_one.urgency, len(_RANK)):
                    open_one.urgency, open_one.reason, open_one.category = urgency, reason, category
                open_one.updated_at = utcnow()
                session.flush()
                return open_one.id
            handoff = Handoff(conversation_id=conversation_id, channel=channel or "unknown", reason=reason,
                              category=category, urgency=urgency, status="waiting")
            session.add(handoff)
            session.flush()
            return handoff.id
    except StorageError:
        raise
    except Exception as exc:  # SQLAlchemy's errors carry the URL and parameters: keep them out of logs
        raise StorageError(f"could not record the handoff ({type(exc).__name__})") from exc


def open_handoffs(url: Optional[str] = None) -> List[Handoff]:
    """Waiting and claimed handoffs, most urgent and then oldest first."""
    with session_scope(url) as session:
        rows = session.execute(select(Handoff).where(Handoff.status != "closed")).scalars().all()
    return sorted(rows, key=lambda h: (_RANK.get(h.urgency, 99), h.created_at))
