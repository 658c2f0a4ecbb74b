"""SMS opt-outs: kept in the database so they survive restarts."""
from __future__ import annotations

from typing import Optional

from bot.storage.db import StorageError, session_scope
from bot.storage.models import SmsOptOut, utcnow


def set_opted_out(phone: str, opted_out: bool, url: Optional[str] = None) -> None:
    try:
        with session_scope(url) as session:
            row = session.get(SmsOptOut, phone)
            if row is None:
                session.add(SmsOptOut(phone=phone, opted_out=int(opted_out)))
            else:
                row.opted_out, row.updated_at = int(opted_out), utcnow()
    except Exception as exc:
        raise StorageError(f"could not record the SMS opt-out ({type(exc).__name__})") from exc


def is_opted_out(phone: str, url: Optional[str] = None) -> bool:
    try:
        with session_scope(url) as session:
            row = session.get(SmsOptOut, phone)
            return bool(row and row.opted_out)
    except Exception as exc:
        raise StorageError(f"could not read SMS opt-outs ({type(exc).__name__})") from exc
