"""Screening results and callback requests, for admissions to act on."""
from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional

from sqlalchemy import select

from bot.storage.db import StorageError, session_scope
from bot.storage.models import CallbackRequest, ScreeningResult


def save_screening(conversation_id: str, channel: str, outcome: str, reasons: Iterable[str],
                   answers: Dict[str, Optional[str]], url: Optional[str] = None) -> int:
    try:
        with session_scope(url) as session:
            row = ScreeningResult(conversation_id=conversation_id, channel=channel or "unknown", outcome=outcome,
                                  reasons=",".join(reasons), answers=json.dumps(answers, sort_keys=True))
            session.add(row)
            session.flush()
            return row.id
    except Exception as exc:
        raise StorageError(f"could not store the screening result ({type(exc).__name__})") from exc


def save_callback(conversation_id: str, channel: str, phone: str, best_time: str,
                  screening_outcome: Optional[str] = None, url: Optional[str] = None) -> int:
    try:
        with session_scope(url) as session:
            row = CallbackRequest(conversation_id=conversation_id, channel=channel or "unknown", phone=phone,
                                  best_time=best_time[:120], screening_outcome=screening_outcome, status="new")
            session.add(row)
            session.flush()
            return row.id
    except Exception as exc:
        raise StorageError(f"could not store the callback request ({type(exc).__name__})") from exc


def callbacks(url: Optional[str] = None) -> List[CallbackRequest]:
    with session_scope(url) as session:
        return list(session.execute(select(CallbackRequest).order_by(CallbackRequest.id)).scalars())


def screenings(url: Optional[str] = None) -> List[ScreeningResult]:
    with session_scope(url) as session:
        return list(session.execute(select(ScreeningResult).order_by(ScreeningResult.id)).scalars())
