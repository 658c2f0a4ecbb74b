"""Callback requests as admissions staff work them in the console, and the record of every full phone number
a staff member showed (number_reveals): numbers are masked everywhere else."""
from __future__ import annotations

from typing import List, Optional, Tuple

from sqlalchemy import case, func, select, update

from bot.core.ids import TEST_PREFIX
from bot.storage.db import StorageError, get_row, session_scope
from bot.storage.models import CALLBACK_STATUSES, CallbackRequest, NumberReveal, utcnow

PAGE_SIZE = 50


def _live():
    # The staff shell's test conversations never reach the callbacks view or its count.
    return ~CallbackRequest.conversation_id.like(f"{TEST_PREFIX}%")


def find_callbacks(page: int = 1, per_page: int = PAGE_SIZE, url: Optional[str] = None
                   ) -> Tuple[List[CallbackRequest], int]:
    """One page of live callback requests, those to do first (oldest first: they have waited longest), then the
    rest, latest first; and how many there are in all."""
    page, per_page = max(1, page), max(1, per_page)
    todo = CallbackRequest.status == "new"
    order = (case((todo, 0), else_=1), case((todo, CallbackRequest.id), else_=-CallbackRequest.id))
    try:
        with session_scope(url) as session:
            total = session.execute(select(func.count(CallbackRequest.id)).where(_live())).scalar() or 0
            rows = list(session.execute(select(CallbackRequest).where(_live()).order_by(*order)
                                        .offset((page - 1) * per_page).limit(per_page)).scalars())
    except Exception as exc:
        raise StorageError(f"could not read callback requests ({type(exc).__name__})") from exc
    return rows, total


def count_to_do(url: Optional[str] = None) -> int:
    try:
        with session_scope(url) as session:
            return session.execute(select(func.count(CallbackRequest.id)).where(
                _live(), CallbackRequest.status == "new")).scalar() or 0
    except Exception as exc:
        raise StorageError(f"could not read callback requests ({type(exc).__name__})") from exc


def get_callback(callback_id: int, url: Optional[str] = None) -> Optional[CallbackRequest]:
    return get_row(CallbackRequest, callback_id, "the callback request", url)


def set_status(callback_id: int, status: str, username: str, url: Optional[str] = None) -> bool:
    """Marks a callback request to do, done or not answered; False if it no longer exists."""
    if status not in CALLBACK_STATUSES:
        raise ValueError(f"unknown callback status {status!r}")
    try:
        with session_scope(url) as session:
            return bool(session.execute(
                update(CallbackRequest).where(CallbackRequest.id == callback_id)
                .values(status=status, status_by=username, status_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount)
    except Exception as exc:
        raise StorageError(f"could not update the callback request ({type(exc).__name__})") from exc


def record_reveal(username: str, handoff_id: Optional[int] = None, callback_id: Optional[int] = None,
                  url: Optional[str] = None) -> NumberReveal:
    """Records that `username` showed a full phone number: an SMS conversation's (its handoff) or a callback
    request's."""
    if (handoff_id is None) == (callback_id is None):
        raise ValueError("a reveal is of one handoff or one callback request")
    try:
        with session_scope(url) as session:
            row = NumberReveal(username=username, handoff_id=handoff_id, callback_id=callback_id, at=utcnow())
            session.add(row)
            session.flush()
            return row
    except Exception as exc:
        raise StorageError(f"could not record who showed the number ({type(exc).__name__})") from exc


def reveals_of(handoff_id: Optional[int] = None, callback_id: Optional[int] = None,
               url: Optional[str] = None) -> List[NumberReveal]:
    column, value = (NumberReveal.handoff_id, handoff_id) if handoff_id is not None else \
        (NumberReveal.callback_id, callback_id)
    try:
        with session_scope(url) as session:
            return list(session.execute(select(NumberReveal).where(column == value).order_by(NumberReveal.id))
                        .scalars())
    except Exception as exc:
        raise StorageError(f"could not read who showed the number ({type(exc).__name__})") from exc


def last_reveals(callback_ids: List[int], url: Optional[str] = None) -> dict:
    """For each of these callback requests that someone showed the number of: the latest reveal."""
    if not callback_ids:
        return {}
    try:
        with session_scope(url) as session:
            rows = session.execute(select(NumberReveal).where(NumberReveal.callback_id.in_(callback_ids))
                                   .order_by(NumberReveal.id)).scalars()
            return {row.callback_id: row for row in rows}
    except Exception as exc:
        raise StorageError(f"could not read who showed the number ({type(exc).__name__})") from exc
