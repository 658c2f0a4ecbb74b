"""The handoff queue: conversations waiting for a person, most urgent first, and what staff do with them.

A handoff is `waiting` until a staff member claims it (`claimed`), and `closed` when they hand the
conversation back to the assistant or close it with a note. Every step is one UPDATE guarded by the
status it expects, so two staff members can never both claim the same conversation.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import select, update

from bot.storage.db import StorageError, session_scope
from bot.storage.models import RESOLUTIONS, URGENCIES, Handoff, StaffAction, utcnow

_RANK = {u: i for i, u in enumerate(URGENCIES)}  # lower is more urgent


class HandoffConflict(RuntimeError):
    """The handoff is not in the state the action needs (e.g. someone else claimed it first)."""


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
    try:
        with session_scope(url) as session:
            rows = session.execute(select(Handoff).where(Handoff.status != "closed")).scalars().all()
    except Exception as exc:
        raise StorageError(f"could not read the handoff queue ({type(exc).__name__})") from exc
    return sorted(rows, key=lambda h: (_RANK.get(h.urgency, 99), aware(h.created_at)))


def recently_closed(limit: int = 20, url: Optional[str] = None) -> List[Handoff]:
    try:
        with session_scope(url) as session:
            return list(session.execute(
                select(Handoff).where(Handoff.status == "closed").order_by(Handoff.closed_at.desc()).limit(limit)
            ).scalars())
    except Exception as exc:
        raise StorageError(f"could not read closed handoffs ({type(exc).__name__})") from exc


def get_handoff(handoff_id: int, url: Optional[str] = None) -> Optional[Handoff]:
    try:
        with session_scope(url) as session:
            return session.get(Handoff, handoff_id)
    except Exception as exc:
        raise StorageError(f"could not read the handoff ({type(exc).__name__})") from exc


def actions_of(handoff_id: int, url: Optional[str] = None) -> List[StaffAction]:
    try:
        with session_scope(url) as session:
            return list(session.execute(
                select(StaffAction).where(StaffAction.handoff_id == handoff_id).order_by(StaffAction.id)
            ).scalars())
    except Exception as exc:
        raise StorageError(f"could not read staff actions ({type(exc).__name__})") from exc


def claim(handoff_id: int, username: str, take_over: bool = False, url: Optional[str] = None) -> Handoff:
    """Claim a waiting handoff; with take_over, one that another staff member has claimed."""
    now = utcnow()
    condition = (Handoff.status == "claimed", Handoff.claimed_by != username) if take_over else \
        (Handoff.status == "waiting",)
    return _transition(handoff_id, username, "take_over" if take_over else "claim", condition,
                       dict(status="claimed", claimed_by=username, claimed_at=now, updated_at=now), url)


def release(handoff_id: int, username: str, url: Optional[str] = None) -> Handoff:
    """Undo a claim that could not take effect (the assistant could not be paused): waiting again."""
    return _transition(handoff_id, username, "release", (Handoff.status == "claimed", Handoff.claimed_by == username),
                       dict(status="waiting", claimed_by=None, claimed_at=None, updated_at=utcnow()), url)


def finish(handoff_id: int, username: str, resolution: str, note: Optional[str] = None,
           url: Optional[str] = None) -> Handoff:
    """Close an open handoff: handed back to the assistant, or closed with a note."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    now = utcnow()
    return _transition(handoff_id, username, "hand_back" if resolution == "handed_back" else "close",
                       (Handoff.status != "closed",),
                       dict(status="closed", closed_by=username, closed_at=now, updated_at=now, resolution=resolution,
                            note=(note or "").strip() or None), url)


def record_action(handoff_id: int, username: str, action: str, url: Optional[str] = None) -> None:
    try:
        with session_scope(url) as session:
            session.add(StaffAction(handoff_id=handoff_id, username=username, action=action))
    except Exception as exc:
        raise StorageError(f"could not record the staff action ({type(exc).__name__})") from exc


def _transition(handoff_id: int, username: str, action: str, condition: tuple, values: dict,
                url: Optional[str]) -> Handoff:
    try:
        with session_scope(url) as session:
            changed = session.execute(
                update(Handoff).where(Handoff.id == handoff_id, *condition).values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed:
                session.add(StaffAction(handoff_id=handoff_id, username=username, action=action))
            row = session.get(Handoff, handoff_id)
    except Exception as exc:
        raise StorageError(f"could not update the handoff ({type(exc).__name__})") from exc
    if row is None:
        raise HandoffConflict("this handoff no longer exists")
    if not changed:
        raise HandoffConflict(_why_not(row, username))
    return row


def _why_not(row: Handoff, username: str) -> str:
    if row.status == "closed":
        return f"this conversation was already closed by {row.closed_by or 'someone'}"
    if row.status == "claimed":
        return "you already have this conversation" if row.claimed_by == username else \
            f"{row.claimed_by} has already claimed this conversation"
    return "this conversation is waiting: claim it first"


def aware(when: datetime) -> datetime:
    # SQLite returns naive datetimes (stored as UTC); PostgreSQL aware ones. Compare them alike.
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
