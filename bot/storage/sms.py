"""SMS opt-outs: kept in the database so they survive restarts."""
from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, Optional

from sqlalchemy import select

from bot.storage.db import StorageError, session_scope
from bot.storage.models import SmsOptOut, utcnow

# Metadata flag on a message of the conversation: the SMS line sent nothing for it. The SMS channel sets it
# on a person's message that arrived while their number was opted out (that turn's replies were not texted);
# the console sets it on its own notices to an opted-out number. The console shows those as not sent.
NOT_TEXTED = "sms_opted_out"


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


def opted_out_since(phones: Iterable[str], url: Optional[str] = None) -> Dict[str, datetime]:
    """Which of these numbers are opted out now, and since when (the STOP)."""
    wanted = sorted(set(phones))
    if not wanted:
        return {}
    try:
        with session_scope(url) as session:
            rows = session.execute(select(SmsOptOut).where(SmsOptOut.phone.in_(wanted), SmsOptOut.opted_out == 1))
            return {row.phone: row.updated_at for row in rows.scalars()}
    except Exception as exc:
        raise StorageError(f"could not read SMS opt-outs ({type(exc).__name__})") from exc
