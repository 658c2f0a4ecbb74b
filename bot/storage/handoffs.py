"""The handoff queue: conversations waiting for a person, most urgent first, and what staff do with them.

A handoff is `waiting` until a staff member claims it (`claimed`), and `closed` when they hand the
conversation back to the assistant or close it with a note. A hand-back after a risk message since the claim
does not close it: it goes back to the queue, urgent (`requeue`). Every step is one UPDATE guarded by the
status it expects, so two staff members can never both claim the same conversation.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional, Tuple

from sqlalchemy import case, func, select, update

from bot.core.ids import TEST_PREFIX
from bot.storage.db import StorageError, get_row, session_scope
from bot.storage.models import RESOLUTIONS, URGENCIES, Handoff, StaffAction, utcnow

_RANK = {u: i for i, u in enumerate(URGENCIES)}  # lower is more urgent


class HandoffConflict(RuntimeError):
    """The handoff is not in the state the action needs (e.g. someone else claimed it first)."""


def request_handoff(conversation_id: str, channel: str, reason: str, urgency: str = "routine",
                    category: Optional[str] = None, url: Optional[str] = None) -> int:
    """Open a handoff, or raise the urgency of the one already open for this conversation."""
    if urgency == "check":
        # The risk layer's ask-directly tier: urgent in the queue, as action_escalate records it. The channel
        # guard passes the verdict's urgency as it is, for a risk message in a conversation staff have.
        urgency = "urgent"
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


def _tests_only(tests: bool):
    """Test conversations (the staff shell's, ids starting "staff-test-") or the live ones: never both in one list."""
    is_test = Handoff.conversation_id.like(f"{TEST_PREFIX}%")
    return is_test if tests else ~is_test


def open_handoffs(url: Optional[str] = None, tests: bool = False) -> List[Handoff]:
    """Waiting and claimed handoffs, most urgent and then oldest first; the live ones, or with `tests` the
    staff shell's test conversations (a crisis typed to check the wording is not a caller in danger)."""
    try:
        with session_scope(url) as session:
            rows = session.execute(select(Handoff).where(Handoff.status != "closed", _tests_only(tests))
                                   ).scalars().all()
    except Exception as exc:
        raise StorageError(f"could not read the handoff queue ({type(exc).__name__})") from exc
    return sorted(rows, key=lambda h: (_RANK.get(h.urgency, 99), aware(h.created_at)))


# The queue's views: every open handoff, the waiting ones, the urgent open ones, those the signed-in staff member
# has, and the closed ones (newest first).
VIEWS = ("open", "waiting", "urgent", "mine", "closed")
PAGE_SIZE = 50
MAX_SEARCH = 100


def find_handoffs(view: str = "open", username: str = "", search: str = "", page: int = 1,
                  per_page: int = PAGE_SIZE, tests: bool = False, url: Optional[str] = None
                  ) -> Tuple[List[Handoff], int]:
    """One page of a queue view, and how many handoffs the whole view holds. Open views list waiting before
    claimed, then most urgent, then longest waiting; closed ones the latest closed first. `search` keeps the
    conversation ids that contain it. Live conversations only, or with `tests` the staff shell's."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    conditions = [_tests_only(tests)]
    if view == "closed":
        conditions.append(Handoff.status == "closed")
        order = (Handoff.closed_at.desc(), Handoff.id.desc())
    else:
        conditions.append(Handoff.status != "closed")
        if view == "waiting":
            conditions.append(Handoff.status == "waiting")
        elif view == "urgent":
            conditions.append(Handoff.urgency.in_(("imminent", "urgent")))
        elif view == "mine":
            conditions += [Handoff.status == "claimed", Handoff.claimed_by == username]
        order = (case((Handoff.status == "waiting", 0), else_=1), case(_RANK, value=Handoff.urgency, else_=99),
                 Handoff.created_at, Handoff.id)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Handoff.conversation_id.like(f"%{escaped}%", escape="\\"))
    page, per_page = max(1, page), max(1, per_page)
    try:
        with session_scope(url) as session:
            total = session.execute(select(func.count(Handoff.id)).where(*conditions)).scalar() or 0
            rows = list(session.execute(select(Handoff).where(*conditions).order_by(*order)
                                        .offset((page - 1) * per_page).limit(per_page)).scalars())
    except Exception as exc:
        raise StorageError(f"could not read the handoff queue ({type(exc).__name__})") from exc
    return rows, total


def queue_counts(username: str = "", tests: bool = False, url: Optional[str] = None) -> dict:
    """How many handoffs each open view holds (live ones, or with `tests` the staff shell's)."""
    urgent = Handoff.urgency.in_(("imminent", "urgent"))
    try:
        with session_scope(url) as session:
            rows = session.execute(
                select(Handoff.status, urgent, Handoff.claimed_by == username, func.count(Handoff.id))
                .where(Handoff.status != "closed", _tests_only(tests))
                .group_by(Handoff.status, urgent, Handoff.claimed_by == username)).all()
    except Exception as exc:
        raise StorageError(f"could not read the handoff queue ({type(exc).__name__})") from exc
    counts = {"open": 0, "waiting": 0, "claimed": 0, "urgent": 0, "mine": 0}
    for status, is_urgent, is_mine, n in rows:
        counts["open"] += n
        counts[status] = counts.get(status, 0) + n
        counts["urgent"] += n if is_urgent else 0
        counts["mine"] += n if status == "claimed" and is_mine else 0
    return counts


def urgent_waiting(url: Optional[str] = None, limit: int = 200) -> List[Handoff]:
    """The live urgent conversations nobody has claimed yet, most urgent and oldest first: the console's
    alerts follow these, whatever view or page a staff member is looking at."""
    try:
        with session_scope(url) as session:
            rows = session.execute(select(Handoff).where(
                Handoff.status == "waiting", Handoff.urgency.in_(("imminent", "urgent")), _tests_only(False))
                .order_by(case(_RANK, value=Handoff.urgency, else_=99), Handoff.created_at).limit(limit)).scalars()
            return list(rows)
    except Exception as exc:
        raise StorageError(f"could not read the handoff queue ({type(exc).__name__})") from exc


def recently_closed(limit: int = 20, url: Optional[str] = None, tests: bool = False) -> List[Handoff]:
    try:
        with session_scope(url) as session:
            return list(session.execute(
                select(Handoff).where(Handoff.status == "closed", _tests_only(tests))
                .order_by(Handoff.closed_at.desc()).limit(limit)
            ).scalars())
    except Exception as exc:
        raise StorageError(f"could not read closed handoffs ({type(exc).__name__})") from exc


def get_handoff(handoff_id: int, url: Optional[str] = None) -> Optional[Handoff]:
    return get_row(Handoff, handoff_id, "the handoff", url)


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


def claim_started(handoff_id: int, url: Optional[str] = None) -> Optional[datetime]:
    """When the current claim began: the latest `claim`. A take-over carries the claim on, so a risk message
    written while one staff member had the conversation still counts when the next one hands it back."""
    try:
        with session_scope(url) as session:
            started = session.execute(select(func.max(StaffAction.at)).where(
                StaffAction.handoff_id == handoff_id, StaffAction.action == "claim")).scalar()
            row = session.get(Handoff, handoff_id) if started is None else None
    except Exception as exc:
        raise StorageError(f"could not read the handoff ({type(exc).__name__})") from exc
    return started if started is not None else (row.claimed_at if row else None)


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


def hand_back(handoff_id: int, username: str, note: Optional[str] = None, at_risk: bool = False,
              category: Optional[str] = None, seen: Optional[Handoff] = None, url: Optional[str] = None) -> Handoff:
    """The assistant has a claimed conversation again. Its handoff closes as handed back, unless someone else
    must see it: the person wrote a risk message since the claim (`at_risk`), or the assistant asked for a
    person again while staff were handing back (the row changed since `seen`, as the console read it before
    it looked at the conversation). Then it goes back to the queue (`requeue`)."""
    held = (Handoff.status == "claimed",) + ((Handoff.claimed_by == seen.claimed_by,) if seen else ())
    if not at_risk:
        unchanged = (Handoff.updated_at == seen.updated_at,) if seen else ()
        now = utcnow()
        try:
            return _transition(handoff_id, username, "hand_back", held + unchanged,
                               dict(status="closed", closed_by=username, closed_at=now, updated_at=now,
                                    resolution="handed_back", note=(note or "").strip() or None), url)
        except HandoffConflict:
            row = get_handoff(handoff_id, url)
            if seen is None or row is None or row.status != "claimed" or row.claimed_by != seen.claimed_by:
                raise
            # Still held as it was: only a new request for a person (a risk message) can have changed it.
    return requeue(handoff_id, username, note, at_risk, category, held, url)


def requeue(handoff_id: int, username: str, note: Optional[str], at_risk: bool = False,
            category: Optional[str] = None, condition: tuple = (Handoff.status == "claimed",),
            url: Optional[str] = None) -> Handoff:
    """Back in the queue, unclaimed, with the staff member's note in its actions. At risk, it is at least
    urgent and a risk signal, even if the risk message's own request for a person was never recorded."""
    values = dict(status="waiting", claimed_by=None, claimed_at=None, updated_at=utcnow())
    if at_risk:
        # In SQL, not from the row read earlier: a risk message may have made it imminent meanwhile.
        values.update(urgency=case((Handoff.urgency == "imminent", "imminent"), else_="urgent"), reason="risk",
                      category=case((Handoff.reason == "risk", Handoff.category), else_=category))
    return _transition(handoff_id, username, "requeue", condition, values, url, note=(note or "").strip() or None)


def record_action(handoff_id: int, username: str, action: str, url: Optional[str] = None) -> None:
    try:
        with session_scope(url) as session:
            session.add(StaffAction(handoff_id=handoff_id, username=username, action=action))
    except Exception as exc:
        raise StorageError(f"could not record the staff action ({type(exc).__name__})") from exc


def _transition(handoff_id: int, username: str, action: str, condition: tuple, values: dict,
                url: Optional[str], note: Optional[str] = None) -> Handoff:
    try:
        with session_scope(url) as session:
            changed = session.execute(
                update(Handoff).where(Handoff.id == handoff_id, *condition).values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed:
                # At the transition's own time: a claim's action and the handoff's claimed_at are the same instant.
                session.add(StaffAction(handoff_id=handoff_id, username=username, action=action, note=note,
                                        at=values.get("updated_at") or utcnow()))
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
