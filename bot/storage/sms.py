"""SMS opt-outs: kept in the database so they survive restarts."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Dict, Iterable, Optional

from sqlalchemy import select

from bot.core import contract
from bot.storage.db import StorageError, session_scope
from bot.storage.models import DELIVERY_STATUSES, MessageDelivery, SmsOptOut, utcnow

# Metadata flag on a message of the conversation: the SMS line sent nothing for it. The SMS channel sets it
# on a person's message that arrived while their number was opted out (that turn's replies were not texted);
# the console sets it on its own notices to an opted-out number. The console shows those as not sent.
# Both names are the contract's (bot/core/contract.py), kept here for the SMS line and the console.
NOT_TEXTED = contract.NOT_TEXTED
# Metadata key of a staff reply: an id the console makes, under which the channel records what became of it
# (message_deliveries): by text sent, failed or not sent (opted out), by the SMS line; in the web chat sent,
# delivered or no_session, by the socket.io channel (bot/server/channels/socketio.py).
DELIVERY = contract.DELIVERY
DELIVERY_ID = re.compile(r"[0-9a-f]{32}")


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


def record_delivery(delivery_id: str, conversation_id: str, status: str, channel: str = "twilio",
                    url: Optional[str] = None) -> None:
    if status not in DELIVERY_STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    try:
        with session_scope(url) as session:
            row = session.get(MessageDelivery, delivery_id)
            if row is None:
                session.add(MessageDelivery(id=delivery_id, conversation_id=conversation_id, channel=channel,
                                            status=status))
            else:
                row.status = status
    except Exception as exc:
        raise StorageError(f"could not record the delivery ({type(exc).__name__})") from exc


def deliveries_of(conversation_id: str, url: Optional[str] = None) -> Dict[str, str]:
    """What became of each staff reply sent in this conversation (by text or in the web chat): delivery id -> status."""
    try:
        with session_scope(url) as session:
            rows = session.execute(select(MessageDelivery).where(MessageDelivery.conversation_id == conversation_id))
            return {row.id: row.status for row in rows.scalars()}
    except Exception as exc:
        raise StorageError(f"could not read deliveries ({type(exc).__name__})") from exc
