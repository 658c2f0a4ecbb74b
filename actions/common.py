"""Helpers shared by the actions: who is talking, on which channel, and privacy-safe logging."""
from __future__ import annotations

import logging
from typing import Any, Dict

from rasa_sdk import Tracker

from bot.core.contract import RISK_KEY
from bot.core.privacy import mask  # noqa: F401  (the actions' one way to log a number)


def channel_of(tracker: Tracker) -> str:
    return (tracker.get_latest_input_channel() or "unknown")[:64]


def intent_of(tracker: Tracker) -> str:
    """The latest message's intent name ("" when there is none)."""
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def latest_risk(tracker: Tracker) -> Dict[str, Any]:
    return dict((tracker.latest_message or {}).get(RISK_KEY) or {})


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
