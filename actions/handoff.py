"""action_request_human: someone asked for a person (or needs one): queue it and say when people are in."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, get_logger
from bot.profile import current_profile
from bot.storage.db import StorageError
from bot.storage.handoffs import request_handoff

logger = get_logger(__name__)


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        at_risk = bool(tracker.get_slot("risk_active"))
        urgency = (tracker.get_slot("risk_urgency") or "urgent") if at_risk else "routine"
        profile = current_profile()
        slots = profile.as_slots()
        try:
            await asyncio.to_thread(request_handoff, tracker.sender_id, channel_of(tracker),
                                    "risk" if at_risk else "asked_for_person", urgency,
                                    tracker.get_slot("risk_category") if at_risk else None)
        except StorageError as exc:
            logger.error("handoff not recorded conversation=%s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(
                text=f"I couldn't reach our team from here just now. Please call us at {slots['program_phone']}"
                     f" ({slots['program_hours']}). If you are in danger, call 911, or call or text 988.")
            return []
        if profile.is_staffed(datetime.now(timezone.utc)):
            dispatcher.utter_message(
                text="I've asked a person from our team to join this conversation. It may take a few minutes. "
                     "If you are in danger while you wait, call 911, or call or text 988.")
        else:
            dispatcher.utter_message(
                text=f"Our team isn't in right now. People answer this chat {slots['staffed_hours']}. "
                     f"I've left a note so someone follows up, or you can call {slots['program_phone']} "
                     f"({slots['program_hours']}). If you are in danger, call 911, or call or text 988 any time.")
        return []
