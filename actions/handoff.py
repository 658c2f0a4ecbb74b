"""action_request_human: someone asked for a person (or needs one): queue it and say when people are in.

Outside staffed hours the person is told when people are back, offered a callback (a button whose text the
NLU reads as request_callback: the project's buttons send plain text, see bot/server/channels/guard.py), and
always given the crisis numbers. The wording is domain.yml's utter_handoff_* (the callback button's payload
is one of data/screening.yml's request_callback examples, so it starts the callback form).
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
from bot.core.contract import RISK_ACTIVE, RISK_CATEGORY, RISK_URGENCY
from bot.core.profile import DAYS, ClinicProfile, current_profile
from bot.storage.db import StorageError
from bot.storage.handoffs import request_handoff

logger = get_logger(__name__)


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
        at_risk = bool(tracker.get_slot(RISK_ACTIVE))
        urgency = (tracker.get_slot(RISK_URGENCY) or "urgent") if at_risk else "routine"
        profile = current_profile()
        try:
            await asyncio.to_thread(request_handoff, tracker.sender_id, channel_of(tracker),
                                    "risk" if at_risk else "asked_for_person", urgency,
                                    tracker.get_slot(RISK_CATEGORY) if at_risk else None)
        except StorageError as exc:
            logger.error("handoff not recorded conversation=%s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(response="utter_handoff_not_recorded")
            return []
        now = datetime.now(timezone.utc)
        if profile.is_staffed(now):
            dispatcher.utter_message(response="utter_handoff_staffed")
            return []
        opens = next_staffed(profile, now)
        if opens is None:  # a profile without staffed hours
            dispatcher.utter_message(response="utter_handoff_closed_urgent_no_hours" if at_risk
                                     else "utter_handoff_closed_no_hours")
            return []
        # Anything urgent: the crisis numbers come first, before any waiting.
        dispatcher.utter_message(response="utter_handoff_closed_urgent" if at_risk else "utter_handoff_closed",
                                 back_at=describe_return(opens, now))
        return []
