"""action_escalate: runs right after utter_crisis (the resources and the payload, sent by the Rasa server).

It adds what the message showed besides the main category, records an urgent handoff, says whether a
person can join now, ends any form, and marks the conversation as at risk. Every text is a response in
domain.yml (utter_crisis_also_*, utter_crisis_veterans, utter_crisis_spanish, utter_escalation_person_*); each
has a Spanish variation that the Rasa server picks when the `language` slot is "es" (the message read as Spanish:
bot/server/nlu/language_component.py), as it does for utter_crisis.
The crisis follow-up form (actions/crisis_followup.py) then asks whether they are safe and reads every answer.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, get_logger, intent_of, latest_risk
from actions.faq import questions_asked
from actions.screening.form import keep_answer
from bot.core import contract
from bot.core.contract import RISK_ACTIVE, RISK_CATEGORY, risk_category_of
from bot.core.language import looks_spanish
from bot.core.profile import ProfileError, current_profile
from bot.core.risk.detector import CATEGORIES, UNCLEAR
from bot.storage.db import StorageError
from bot.storage.handoffs import request_handoff

logger = get_logger(__name__)

# The main crisis reply of these categories already says to call 911: a further medical emergency or
# violence adds nothing.
SAYS_911 = {"overdose", "medical_emergency", "withdrawal_danger"}


def extra_responses(category: str, also: Iterable[str] = (), spanish: bool = False,
                    veteran: bool = False) -> List[str]:
    """The responses sent after utter_crisis for what else the message showed: each further category's
    number, the Veterans line, 988's Spanish option."""
    names = [f"utter_crisis_also_{c}" for c in also if c != category and c in CATEGORIES
             and not (category in SAYS_911 and c in ("medical_emergency", "violence"))]
    if veteran and category in ("suicide", "self_harm"):
        names.append("utter_crisis_veterans")
    if spanish:
        names.append("utter_crisis_spanish")
    return names


def risk_from_tracker(tracker: Tracker) -> Dict[str, Any]:
    """The verdict for the latest message: the detector's, else the classifier's risk intent."""
    risk = latest_risk(tracker)
    category = risk.get("category")
    if category not in CATEGORIES:
        intent = intent_of(tracker)
        category = risk_category_of(intent)
    if category not in CATEGORIES:
        # Reached without a fresh verdict (e.g. a story replay): keep the last known category.
        category = tracker.get_slot(RISK_CATEGORY) or "suicide"
    urgency = risk.get("urgency") if risk.get("urgency") in ("imminent", "urgent") else "urgent"
    return {"category": category, "urgency": urgency, "subject": risk.get("subject"),
            "also": [c for c in risk.get("also") or [] if c in CATEGORIES]}


class ActionEscalate(Action):
    def name(self) -> Text:
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        risk = risk_from_tracker(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        # The Spanish variations already give 988's Spanish option; the separate Spanish line is for a message
        # that looks Spanish in a conversation the Rasa server still renders in English.
        spanish = looks_spanish(text) and tracker.get_slot(contract.LANGUAGE) != contract.SPANISH
        for name in extra_responses(risk["category"], risk["also"], spanish=spanish,
                                    veteran=" vet" in f" {text.lower()}"):
            dispatcher.utter_message(response=name)
        dispatcher.utter_message(response=await self._bring_in_a_person(tracker, risk))
        # A program question asked beside the crisis is answered after the crisis reply, never instead.
        for topic in questions_asked(tracker, text):
            dispatcher.utter_message(response=f"utter_faq/{topic}")
        logger.warning("escalation conversation=%s category=%s urgency=%s",
                       tracker.sender_id, risk["category"], risk["urgency"])
        # Any form in progress ends here and does not resume by itself; the follow-up starts afresh. A screen
        # keeps its answers and the one just given, and goes on once the person says they are safe.
        # The ask-directly tier's follow-up asks about the risk itself ("check"), every other one about safety.
        # After a danger the message did not name ("i'm not safe"), it asks what is happening.
        first = ("check" if latest_risk(tracker).get("urgency") == "check"
                 else "unnamed" if risk["subject"] == UNCLEAR else "first")
        return [*keep_answer(tracker), SlotSet(RISK_ACTIVE, True), ActiveLoop(None), SlotSet("requested_slot", None),
                SlotSet("crisis_safety", None), SlotSet("crisis_last", first)]

    async def _bring_in_a_person(self, tracker: Tracker, risk: Dict[str, Any]) -> str:
        """Records the urgent handoff; the response that says whether a person can join now."""
        try:
            await asyncio.to_thread(
                request_handoff, tracker.sender_id, channel_of(tracker), "risk", risk["urgency"], risk["category"])
        except StorageError as exc:
            logger.error("urgent handoff NOT recorded conversation=%s: %s", tracker.sender_id, exc)
            return "utter_escalation_person_failed"
        try:
            profile = current_profile()
        except ProfileError:
            return "utter_escalation_person_coming"
        if profile.is_staffed(datetime.now(timezone.utc)):
            return "utter_escalation_person_coming"
        return "utter_escalation_person_later"  # {staffed_hours}: the profile's, filled by the Rasa server
