"""Conversation ids per channel, so one channel cannot write into another's conversations.

SMS conversations are keyed by the phone number. A web session id must look random (the widget makes
one with the browser's crypto API), so it can be neither guessed nor chosen to be someone's number.
"""
from __future__ import annotations

import re
import uuid

# The staff shell's conversations (bot/server/channels/preview.py, tools/shell.py): tests, by their id. They are
# kept out of the console's live queue, so no live channel may open one (a crisis there would be hidden).
TEST_PREFIX = "staff-test-"
PREVIEW_CHANNELS = ("web", "sms")

_WEB_SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
_PHONE_LIKE = re.compile(r"\s*(whatsapp:)?\+?[\d\s().-]{7,}\s*", re.IGNORECASE)


def is_test_conversation(sender_id: object) -> bool:
    return isinstance(sender_id, str) and sender_id.startswith(TEST_PREFIX)


def is_web_session_id(value: object) -> bool:
    return (isinstance(value, str) and bool(_WEB_SESSION.fullmatch(value)) and not value.isdigit()
            and not is_test_conversation(value))


def new_web_session_id() -> str:
    return uuid.uuid4().hex


def looks_like_phone(value: str) -> bool:
    return bool(_PHONE_LIKE.fullmatch(value))
