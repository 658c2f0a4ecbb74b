"""action_request_human: someone asked for a person (or needs one): queue it and say when people are in.

Outside staffed hours the person is told when people are back, offered a callback (a button whose text the
NLU reads as request_callback: the project's buttons send plain text, see bot/channels/guard.py), and
always given the crisis numbers.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, get_logger
from bot.profile import DAYS, ClinicProfile, current_profile
from bot.storage.db import StorageError
from bot.storage.handoffs import request_handoff

logger = get_logger(__name__)

# One of data/screening.yml's request_callback examples, so the button starts the callback form.
CALLBACK_BUTTON = {"title": "Request a callback", "payload": "please call me back"}


def next_staffed(profile: ClinicProfile, now: datetime) -> Optional[datetime]:
    """When the next staffed window opens (in the clinic's timezone), or None without any set hours."""
    zone = ZoneInfo(profile.staffed_timezone)
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        window = profile.staffed_hours.get(DAYS[day.weekday()])
        if not window:
            continue
        opens = datetime.combine(day, window[0], tzinfo=zone)
        if opens > local:
            return opens
    return None


def describe_return(opens: datetime, now: datetime) -> str:
    """'today at 8 am', 'tomorrow at 9:30 am', 'on Monday at 8 am'."""
    hour = opens.hour % 12 or 12
    clock = f"{hour} {'am' if opens.hour < 12 else 'pm'}" if opens.minute == 0 else \
        f"{hour}:{opens.minute:02d} {'am' if opens.hour < 12 else 'pm'}"
    if opens.hour == 12 and opens.minute == 0:
        clock = "noon"
    days = (opens.date() - now.astimezone(opens.tzinfo).date()).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {opens.strftime('%A')}"
    return f"{day} at {clock}"


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
        now = datetime.now(timezone.utc)
        if profile.is_staffed(now):
            dispatcher.utter_message(
                text="I've asked a person from our team to join this conversation. It may take a few minutes. "
                     "If you are in danger while you wait, call 911, or call or text 988.")
            return []
        opens = next_staffed(profile, now)
        back = f"People are back {describe_return(opens, now)} (this chat is staffed {slots['staffed_hours']})." \
            if opens else f"People answer this chat {slots['staffed_hours']}."
        if at_risk:
            # Anything urgent: the crisis numbers come first, before any waiting.
            text = (f"If you are in danger right now, call 911. You can call or text 988 any time, day or night. "
                    f"Our team isn't in right now. {back} I've marked your conversation urgent so someone follows up "
                    f"first. You can also ask for a call back.")
        else:
            text = (f"Our team isn't in right now. {back} I've left a note so someone follows up. If you'd like, "
                    f"ask for a call back, or call {slots['program_phone']} ({slots['program_hours']}). "
                    f"If you are in danger, call 911, or call or text 988 any time.")
        dispatcher.utter_message(text=text, buttons=[dict(CALLBACK_BUTTON)])
        return []
