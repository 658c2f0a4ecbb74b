"""Helpers shared by the actions: who is talking, on which channel, and privacy-safe logging."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict

from rasa_sdk import Tracker

_PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def mask(text: Any) -> str:
    """Phone numbers and e-mail addresses never reach the logs."""
    text = _EMAIL.sub("[email]", str(text))
    return _PHONE.sub(lambda m: "[phone …" + re.sub(r"\D", "", m.group(1))[-2:] + "]", text)


def channel_of(tracker: Tracker) -> str:
    return (tracker.get_latest_input_channel() or "unknown")[:64]


def latest_risk(tracker: Tracker) -> Dict[str, Any]:
    return dict((tracker.latest_message or {}).get("risk") or {})


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
