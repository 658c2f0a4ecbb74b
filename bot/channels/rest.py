"""Rasa's REST channel, with the paused-conversation guard and clear answers to bad requests.

Rasa's own channel answers a request without a JSON body with a 500. Here a body that is not a JSON
object with a `sender` gets a 400 that says what is wrong, and an empty message gets a kind reply
without reaching the model.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.guard import guarded
from bot.channels.ids import TEST_PREFIX, is_test_conversation, looks_like_phone
from bot.channels.limits import MAX_SCANNED_CHARS

MAX_SENDER_LENGTH = 255
EMPTY_MESSAGE_REPLY = ("It looks like your message was empty. What would you like to know? "
                       "If you are in danger, call 911, or call or text 988.")


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
    if not (message or "").strip():
        return response.json([{"recipient_id": sender, "text": EMPTY_MESSAGE_REPLY}])
    return None


class GuardedRestInput(RestInput):
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
