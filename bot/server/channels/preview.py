"""The staff shell's channel: a message through the same guarded path as the live channels, and the reply as
the chosen channel would deliver it (issue 25). Only the shell's own server lists it (credentials-shell.yml).

POST /webhooks/preview/webhook {"sender": "staff-test-...", "message": "...", "channel": "sms" | "web"}
- sms: the texts the SMS line would send, each with its segment count and encoding: the same function makes
  them (bot/server/channels/twilio.sms_reply, then formatting.split_sms), so the preview is the SMS channel's text;
- web: the messages the chat widget would show (text, buttons, the escalation card's payload).
Every conversation here is a test: its id must start with TEST_PREFIX.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.contract import WIDGET, WIDGET_KEY
from bot.server.channels.guard import current_agent, guarded
from bot.core.ids import PREVIEW_CHANNELS as CHANNELS
from bot.core.ids import TEST_PREFIX, is_test_conversation
from bot.server.channels.rest import check_body
from bot.server.channels.twilio import sms_reply
from bot.storage.saved_stories import NAME_RULE, STORY_NAME, has_turns, story_text
from bot.core.sms import formatting



def sms_parts(reply: str) -> List[Dict[str, Any]]:
    return [{"text": part, "segments": formatting.segments(part),
             "encoding": "GSM-7" if formatting.is_gsm7(part) else "UCS-2"}
            for part in formatting.split_sms(reply)] if reply else []


class PreviewInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "preview"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("preview_webhook", __name__)
        handle = guarded(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = check_body(request)  # a bad body (4xx), or an empty message (the REST channel's kind reply)
            if refused is not None:
                return refused
            body = request.json
            sender, text, channel = body["sender"], body["message"], body.get("channel", "web")
            if not is_test_conversation(sender):
                return response.json({"error": f"'sender' must start with {TEST_PREFIX!r}: these are test "
                                               "conversations"}, status=400)
            if channel not in CHANNELS:
                return response.json({"error": f"'channel' must be one of {', '.join(CHANNELS)}"}, status=400)
            if channel == "sms":
                reply = await sms_reply(handle, sender, text, self.name())
                return response.json({"channel": "sms", "texts": sms_parts(reply)})
            collector = CollectingOutputChannel()
            # As the project's widget sends it, so the answers word things as the widget shows them.
            await handle(UserMessage(text, collector, sender, input_channel=self.name(), metadata={WIDGET_KEY: WIDGET}))
            return response.json({"channel": "web", "messages": collector.messages})

        @bp.route("/story", methods=["POST"])
        async def story(request: Request) -> HTTPResponse:
            """The test conversation so far as a Rasa test story (`/save NAME` in the shell)."""
            body = request.json if isinstance(request.json, dict) else {}
            sender, name = body.get("sender"), str(body.get("name") or "").strip()
            if not is_test_conversation(sender):
                return response.json({"error": f"'sender' must start with {TEST_PREFIX!r}"}, status=400)
            if not STORY_NAME.fullmatch(name):
                return response.json({"error": NAME_RULE}, status=400)
            agent = current_agent()
            tracker = await agent.tracker_store.retrieve(sender) if agent else None
            if tracker is None or not has_turns(tracker):
                return response.json({"error": "nothing said yet in this conversation"}, status=404)
            return response.json({"story": story_text(tracker, name, "make shell")})

        return bp
