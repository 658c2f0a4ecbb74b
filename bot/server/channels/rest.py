"""Rasa's REST channel, with the paused-conversation guard and clear answers to bad requests.

Rasa's own channel answers a request without a JSON body with a 500. Here a body that is not a JSON
object with a `sender` gets a 400 that says what is wrong, and an empty message gets a kind reply
without reaching the model.

A staff tool may open a test conversation here (issue 25): `"test": true` in the body, with the Rasa server's
API token (RASA_API_TOKEN, as `?token=` or `Authorization: Bearer`). Its id becomes `staff-test-rest-<sender>`,
kept out of the console's live queue like the shell's. Without the token the request is refused: a caller's
crisis must never land where the live queue does not look.
"""
from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.core import wording
from bot.server.rasa_seam import HookedRestInput
from bot.server.channels.guard import guarded
from bot.core.ids import TEST_PREFIX, is_test_conversation, looks_like_phone
from bot.server.channels.limits import MAX_SCANNED_CHARS

MAX_SENDER_LENGTH = 255
EMPTY_MESSAGE_REPLY = wording.text("utter_empty_message")


def check_body(request: Request) -> Optional[Any]:
    """A response for a bad request, or None when the body can be handed to Rasa."""
    try:
        body = request.json
    except Exception:
        body = None
    if not isinstance(body, dict):
        return response.json({"error": 'send a JSON object: {"sender": "<id>", "message": "<text>"}'}, status=400)
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
        return response.json({"error": f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} "
                                       "characters"}, status=400)
    if looks_like_phone(sender):
        return response.json({"error": "'sender' must not be a phone number: those are the SMS line's conversations"},
                             status=400)
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        return response.json({"error": "'message' must be a string"}, status=400)
    if message is not None and len(message) > MAX_SCANNED_CHARS:
        return response.json({"error": f"'message' is too long: at most {MAX_SCANNED_CHARS} characters"}, status=413)
    test = body.get("test", False)
    if not isinstance(test, bool):
        return response.json({"error": "'test' must be true or false"}, status=400)
    if test and not holds_api_token(request):
        return response.json({"error": "a test conversation needs the server's API token (RASA_API_TOKEN), as "
                                       "?token= or an 'Authorization: Bearer' header"}, status=403)
    if not (message or "").strip():
        return response.json([{"recipient_id": sender, "text": EMPTY_MESSAGE_REPLY}])
    return None


def holds_api_token(request: Request) -> bool:
    expected = os.environ.get("RASA_API_TOKEN") or ""
    given = request.args.get("token") or ""
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        given = header[len("bearer "):].strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def is_test_request(request: Request) -> bool:
    body = request.json
    return isinstance(body, dict) and body.get("test") is True


class GuardedRestInput(HookedRestInput):
    """Rasa's RestInput through bot/server/rasa_seam.HookedRestInput, whose two hooks stand for Rasa's private
    _extract_sender and _extract_input_channel."""

    async def conversation_id(self, request: Request, sender: Optional[Text]) -> Optional[Text]:
        return f"{TEST_PREFIX}rest-{sender}" if is_test_request(request) else sender

    def input_channel_name(self, request: Request) -> Text:
        # Rasa takes the channel's name from the body; a REST client must not pass for the SMS line or the shell.
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(guarded(on_new_message))

        @bp.middleware("request")
        async def reject_bad_requests(request: Request) -> Optional[Any]:
            if request.method == "POST" and request.path.endswith("/webhook"):
                refused = check_body(request)
                if refused is None and is_test_conversation(request.json.get("sender")):
                    # Test conversations are kept out of the live queue: a live caller must never be one.
                    return response.json({"error": f"'sender' must not start with {TEST_PREFIX!r}: those are the "
                                                   "staff shell's test conversations"}, status=400)
                return refused
            return None

        return bp
