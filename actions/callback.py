"""The callback request: a phone number (the sender's own on SMS), a good time, and consent.

The wording is domain.yml's utter_ask_callback_* (asked by the form) and utter_callback_*.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, get_logger, mask
from bot.core.screening import extract
from actions.screening.form import is_interruption
from bot.storage.db import StorageError
from bot.storage.screening import save_callback

logger = get_logger(__name__)
SMS_CHANNELS = {"twilio", "sms"}


def as_value(words: str) -> str:
    """A person's words as a value in a response: Rasa's interpolation gives up on the whole text (and sends
    the raw "{callback_time}") when a value holds "0[", so brackets and braces are left out."""
    return re.sub(r"[{}\[\]]", "", words)


def us_phone(text: str) -> Optional[str]:
    """A US phone number in E.164 (+1XXXXXXXXXX), or None. Area and exchange codes cannot start with 0 or 1."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return "+1" + digits


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def extract_callback_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("callback_phone"):
            return {}
        # On SMS the number is the sender's own: no need to ask for it.
        if channel_of(tracker) in SMS_CHANNELS:
            phone = us_phone(tracker.sender_id.replace("whatsapp:", ""))
            if phone:
                return {"callback_phone": phone}
        if tracker.get_slot("requested_slot") != "callback_phone" or is_interruption(tracker, strict=True):
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        phone = us_phone(text)
        if phone:  # a readable number is the answer, whatever the classifier made of the message
            return {"callback_phone": phone}
        if is_interruption(tracker):
            return {}
        if re.search(r"\d", text):
            dispatcher.utter_message(response="utter_callback_phone_invalid")
        return {}

    async def extract_callback_time(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        # Any words are a time ("weekday mornings" reads like a schedule question to the classifier);
        # only a risk signal, a request for a person or stop is not.
        if tracker.get_slot("requested_slot") != "callback_time" or is_interruption(tracker, strict=True):
            return {}
        text = " ".join(((tracker.latest_message or {}).get("text") or "").split())[:120]
        return {"callback_time": text} if text and not text.startswith("/") else {}

    async def extract_callback_consent(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "callback_consent" or is_interruption(tracker):
            return {}
        answer = extract.yes_no((tracker.latest_message or {}).get("text") or "")
        return {"callback_consent": answer} if answer in (extract.YES, extract.NO) else {}


class ActionSaveCallback(Action):
    def name(self) -> Text:
        return "action_save_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet("callback_phone", None), SlotSet("callback_time", None), SlotSet("callback_consent", None)]
        if tracker.get_slot("callback_consent") != extract.YES:
            dispatcher.utter_message(response="utter_callback_declined")
            return reset
        try:
            await asyncio.to_thread(save_callback, tracker.sender_id, channel_of(tracker),
                                    tracker.get_slot("callback_phone"), tracker.get_slot("callback_time") or "",
                                    tracker.get_slot("screening_outcome"))
        except StorageError as exc:
            logger.error("callback request NOT stored conversation=%s phone=%s: %s", tracker.sender_id,
                         mask(tracker.get_slot("callback_phone")), exc)
            dispatcher.utter_message(response="utter_callback_not_saved")
            return reset
        dispatcher.utter_message(response="utter_callback_saved",
                                 callback_time=as_value(tracker.get_slot("callback_time") or ""))
        return reset
