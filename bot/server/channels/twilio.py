"""The SMS text line: Rasa's Twilio channel, verified, compliant and readable on a phone.

Same webhook path as Rasa's own channel (/webhooks/twilio/webhook), with these changes:
- every request's X-Twilio-Signature is checked with twilio's RequestValidator over the configured public
  URL: unsigned or wrongly signed requests get 403 and are never processed; no Body or From gets 400;
- STOP and the other opt-out words (and plain-language ones) are recorded and confirmed once; nothing else
  is sent to that number until START, UNSTOP or YES; HELP and INFO get the program's number and 988;
- replies are collected per turn, rendered for a phone (numbered choices, split into short parts) and
  sent from a worker thread, so the blocking twilio client never stalls the server;
- a paused conversation still gets the crisis resources (bot.server.channels.guard).
Settings come from the environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER or
TWILIO_MESSAGING_SERVICE_SID, TWILIO_WEBHOOK_URL (the public URL Twilio calls), TWILIO_API_BASE_URL (tests).
"""
from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import parse_qs
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core import wording
from bot.server.channels.guard import current_agent, guarded
from bot.core.language import looks_spanish
from bot.core.privacy import mask
from bot.core.profile import ProfileError, current_profile
from bot.core.sms import formatting
from bot.core.sms.keywords import keyword, normalise
from bot.storage.db import StorageError
from bot.storage.sms import DELIVERY, DELIVERY_ID, NOT_TEXTED, is_opted_out, record_delivery, set_opted_out

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# The replies to STOP and START, and to a picture-only MMS (it arrives with an empty Body: say what the line can
# read, with the numbers in view); HELP is utter_sms_help. Wording: domain.yml (bot/core/wording.py).
OPT_OUT_REPLY = wording.text("utter_sms_opt_out")
# "no más", "basta", "alto": the confirmation in Spanish (utter_sms_opt_out's Spanish variation).
OPT_OUT_REPLY_ES = wording.text("utter_sms_opt_out", language="es")
SPANISH_OPT_OUTS = {"basta", "alto"}
OPT_IN_REPLY = wording.text("utter_sms_opt_in")
MEDIA_REPLY = wording.text("utter_sms_media_only")


class SmsCollector(CollectingOutputChannel):
    """Collects a turn's replies; named "twilio" so the SMS response variants are used."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"


class SmsOutput(OutputChannel):
    """Messages made outside an SMS turn (a staff reply, the claim notice, through Rasa's HTTP API with
    output_channel=latest): texted as a turn's replies are, and never to a number that opted out."""

    def __init__(self, channel: "VerifiedTwilioInput") -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        try:
            opted_out = await asyncio.to_thread(is_opted_out, recipient_id)
        except StorageError:
            opted_out = True  # unknown opt-out state: send nothing rather than text someone who said STOP
        text = formatting.render([message], program_name_to_hide())
        # A staff reply carries a delivery id (the console's): record what became of it, for the console to show.
        delivery = message.get(DELIVERY)
        delivery = delivery if isinstance(delivery, str) and DELIVERY_ID.fullmatch(delivery) else None
        if opted_out or not text:
            logger.warning("SMS to %s not sent (opted out or opt-out state unknown)", mask(recipient_id))
            if delivery and opted_out:
                await _record_delivery(delivery, recipient_id, "opted_out")
            return
        sent = await self.channel.send_text(recipient_id, text)
        if delivery:
            await _record_delivery(delivery, recipient_id, "failed" if sent is False else "sent")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


async def _record_delivery(delivery: str, recipient_id: str, status: str) -> None:
    try:
        await asyncio.to_thread(record_delivery, delivery, recipient_id, status)
    except StorageError as exc:  # the text went (or not) all the same; only the console's record is missing
        logger.error("could not record the delivery of a staff reply to %s: %s", mask(recipient_id), exc)


async def last_buttons(sender: str) -> List[Dict[str, Any]]:
    """The choices of the bot's last question to this number, if nothing was said since."""
    agent = current_agent()
    tracker = await agent.tracker_store.retrieve(sender) if agent else None
    for event in reversed(tracker.events if tracker else []):
        if event.type_name == "user":
            return []
        if event.type_name == "bot" and (event.data or {}).get("buttons"):
            return list(event.data["buttons"])
    return []


def program_name_to_hide() -> Optional[str]:
    try:
        profile = current_profile()
    except ProfileError:
        return None
    return None if profile.sms_show_program_name else profile.program_name


async def sms_reply(handle: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str, input_channel: str,
                    opted_out: bool = False) -> str:
    """The one text the SMS line answers a message with (keywords and empty bodies apart): the turn's replies
    in their SMS wording, or which numbers work when "5" came where 1 to 3 were offered. The SMS channel sends
    it in parts (formatting.split_sms); the staff shell's SMS preview shows the same parts."""
    buttons = await last_buttons(sender)
    chosen = formatting.resolve_choice(text, buttons) if buttons else None
    if buttons and not chosen and formatting.is_choice_number(text):
        return formatting.choose_again(buttons)
    collector = SmsCollector()
    metadata = {**({"sms_choice": text} if chosen else {}),
                # Kept with the message in the conversation: the staff console shows this turn's replies
                # as not sent, which is what happens to them.
                **({NOT_TEXTED: True} if opted_out else {})}
    message = UserMessage(chosen or text, collector, sender, input_channel=input_channel, metadata=metadata or None)
    try:
        await handle(message)
    except Exception:
        logger.exception("SMS from %s could not be handled", mask(sender))
    return formatting.render(collector.messages, program_name_to_hide())


class VerifiedTwilioInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "twilio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SmsOutput(self)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        env = os.environ.get
        return cls(
            account_sid=credentials.get("account_sid") or env("TWILIO_ACCOUNT_SID"),
            auth_token=credentials.get("auth_token") or env("TWILIO_AUTH_TOKEN"),
            twilio_number=credentials.get("twilio_number") or env("TWILIO_NUMBER"),
            messaging_service_sid=credentials.get("messaging_service_sid") or env("TWILIO_MESSAGING_SERVICE_SID"),
            webhook_url=credentials.get("webhook_url") or env("TWILIO_WEBHOOK_URL"),
            api_base_url=env("TWILIO_API_BASE_URL"),
        )

    def __init__(self, account_sid: Optional[str], auth_token: Optional[str], twilio_number: Optional[str] = None,
                 messaging_service_sid: Optional[str] = None, webhook_url: Optional[str] = None,
                 api_base_url: Optional[str] = None) -> None:
        from twilio.request_validator import RequestValidator

        self.account_sid, self.auth_token = account_sid, auth_token
        self.twilio_number, self.messaging_service_sid = twilio_number, messaging_service_sid
        self.webhook_url, self.api_base_url = webhook_url, api_base_url
        self.validator = RequestValidator(auth_token) if auth_token else None
        self._client = None
        if not auth_token:
            logger.error("TWILIO_AUTH_TOKEN is not set: every SMS webhook request will be refused")
        if not webhook_url:
            logger.warning("TWILIO_WEBHOOK_URL is not set: signatures are checked against the URL the request "
                           "arrived on, which breaks behind a proxy that rewrites it")

    # ---------- sending ----------
    def client(self):
        if self._client is None:
            from twilio.rest import Client

            self._client = Client(self.account_sid, self.auth_token)
            if self.api_base_url:
                self._client.api.base_url = self.api_base_url
        return self._client

    def _send_blocking(self, to: str, body: str) -> None:
        kwargs: Dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.twilio_number
        self.client().messages.create(**kwargs)

    async def send_text(self, to: str, text: str) -> bool:
        """Texts `text` in parts; True when Twilio accepted every part."""
        sent = True
        for part in formatting.split_sms(text):
            try:
                await asyncio.to_thread(self._send_blocking, to, part)
            except Exception as exc:  # the person must not lose the rest of the reply over one failure
                logger.error("SMS to %s not sent (%s)", mask(to), type(exc).__name__)
                sent = False
        return sent

    # ---------- receiving ----------
    @staticmethod
    def form_fields(request: Request) -> Dict[str, str]:
        """Every posted field, empty ones included: Twilio signs FromCity=, FromZip=, Body= (a picture-only MMS)
        too, and Sanic's own form parsing drops blank values, which would make every such signature wrong."""
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            return {key: values[0] for key, values in parsed.items()}
        return {key: values[0] if isinstance(values, list) else values for key, values in request.form.items()}

    def signature_ok(self, request: Request, params: Dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not self.validator or not signature:
            return False
        return self.validator.validate(self.webhook_url or request.url, params, signature)

    async def handle_keyword(self, sender: str, word: str, opted_out: bool = False, text: str = "") -> None:
        if word == "opt_out":
            await asyncio.to_thread(set_opted_out, sender, True)
            if not opted_out:  # one confirmation: a second STOP from an opted-out number gets no text at all
                spanish = looks_spanish(text) or normalise(text) in SPANISH_OPT_OUTS
                await self.send_text(sender, OPT_OUT_REPLY_ES if spanish else OPT_OUT_REPLY)
        elif word == "opt_in":
            await asyncio.to_thread(set_opted_out, sender, False)
            await self.send_text(sender, OPT_IN_REPLY)
        else:
            try:
                phone = current_profile().phone
            except ProfileError:
                phone = "our admissions line"
            await self.send_text(sender, wording.text("utter_sms_help", program_phone=phone))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("sms_webhook", __name__)
        handle = guarded(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            fields = self.form_fields(request)
            if not self.signature_ok(request, fields):
                logger.warning("SMS webhook refused: missing or wrong X-Twilio-Signature")
                return response.text("invalid signature", status=403)
            sender, text = fields.get("From"), fields.get("Body")
            if not sender or text is None:
                return response.text("Body and From are required", status=400)
            try:
                opted_out = await asyncio.to_thread(is_opted_out, sender)
                word = keyword(text, opted_out)
                if word:
                    await self.handle_keyword(sender, word, opted_out, text)
                    return response.text(EMPTY_TWIML, content_type="text/xml")
            except StorageError as exc:
                # Unknown opt-out state: send nothing rather than text someone who may have opted out.
                logger.error("SMS from %s: opt-out store unavailable (%s)", mask(sender), exc)
                return response.text("temporarily unavailable", status=503)

            if not text.strip():
                if not opted_out:
                    await self.send_text(sender, MEDIA_REPLY)
                return response.text(EMPTY_TWIML, content_type="text/xml")

            reply = await sms_reply(handle, sender, text, self.name(), opted_out)
            if reply and not opted_out:  # an opted-out number's messages are kept, never answered
                await self.send_text(sender, reply)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return bp
