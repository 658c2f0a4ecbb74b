"""validate_crisis_followup_form: every message after an escalation is read as an answer to "Are you safe?".

The follow-up (crisis_followup_form) starts with every escalation and ends only with an explicit statement
of safety or a retraction ("jk", "never mind"); a person from the team takes over from the console. In it:
- safe: the glad-you're-safe answer; any question in the message is answered too;
- not safe: 911 and 988 again, the handoff raised to imminent, then a gentler question;
- unclear (a hedge, "ok", "idk", a change of subject): 911 and 988 again, the handoff kept open;
- a practical obstacle (no car, no naloxone, alone, cannot call): the practical answer, numbers included;
- a program question: answered, with the numbers kept in view, then the question about safety again;
- after the ask-directly tier's question ("are you thinking about ending your life?"), "no" clears it and
  anything else gets the full crisis reply, then the question about safety.
A new risk signal fills nothing: the form rejects it and the escalation rule runs again.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, get_logger, intent_of, latest_risk
from actions.faq import questions_asked
from actions.screening.form import PAUSED, RESUME
from bot.core.contract import CRISIS_FOLLOWUP_FORM, CRISIS_SAFETY_SLOT, RISK_INTENT_PREFIX
from bot.core.risk import safety_answer
from bot.core.risk.safety_answer import NOT_SAFE, SAFE
from bot.storage.db import StorageError
from bot.storage.handoffs import request_handoff

logger = get_logger(__name__)

FORM = CRISIS_FOLLOWUP_FORM
SLOT = CRISIS_SAFETY_SLOT
# A new risk signal is not an answer: the escalation rule runs again. A message in Spanish is an answer: the
# reader knows Spanish answers and the follow-up's replies have Spanish variations (the `language` slot).
NOT_AN_ANSWER_PREFIX = RISK_INTENT_PREFIX
class ValidateCrisisFollowupForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_crisis_followup_form"

    async def extract_crisis_safety(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        text = (tracker.latest_message or {}).get("text")
        intent = intent_of(tracker)
        if text is None or latest_risk(tracker).get("is_risk") or intent.startswith(NOT_AN_ANSWER_PREFIX):
            return {}
        # While asked, and when a rule brings a yes/no/"i'm safe" back into the follow-up, every word counts.
        if tracker.get_slot("requested_slot") == SLOT or tracker.active_loop_name != FORM:
            return {SLOT: text}
        return {}

    async def validate_crisis_safety(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "")
        direct = tracker.get_slot("crisis_last") == "check"
        answer = (safety_answer.read_direct if direct else safety_answer.read)(text)
        topics = [] if answer.need else questions_asked(tracker, text)
        if answer.retract and answer.kind != NOT_SAFE:
            dispatcher.utter_message(response="utter_crisis_followup_retract")
            self._answer(dispatcher, topics)
            return {SLOT: "retracted", "crisis_last": None, **self._screen_goes_on(dispatcher, tracker)}
        if answer.kind == SAFE:
            dispatcher.utter_message(response="utter_crisis_check_cleared" if direct else "utter_risk_safe")
            self._answer(dispatcher, topics)
            return {SLOT: SAFE, "crisis_last": None, **self._screen_goes_on(dispatcher, tracker)}
        if direct:
            # The possible risk is confirmed, or not ruled out: the full crisis reply, then "are you safe?".
            await self._keep_person_coming(tracker, "urgent")
            dispatcher.utter_message(response="utter_crisis", risk_urgency="urgent")
            if answer.need:
                dispatcher.utter_message(response=f"utter_crisis_need_{answer.need}")
            self._answer(dispatcher, topics)
            return {SLOT: None, "crisis_last": "first"}

        not_safe = answer.kind == NOT_SAFE
        await self._keep_person_coming(tracker, "imminent" if not_safe else "urgent")
        self._answer(dispatcher, topics)
        if not_safe:
            dispatcher.utter_message(response="utter_crisis_followup_not_safe")
        if answer.need:
            dispatcher.utter_message(response=f"utter_crisis_need_{answer.need}")
        elif not not_safe:
            dispatcher.utter_message(response="utter_crisis_followup_unclear")
        last = "not_safe" if not_safe else "asked" if (answer.need or topics) else "unclear"
        return {SLOT: None, "crisis_last": last}

    @staticmethod
    def _screen_goes_on(dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """A screen the crisis reply interrupted goes on from its question (data/rules.yml), said first; it can
        be stopped with a word."""
        if not tracker.get_slot(PAUSED):
            return {}
        dispatcher.utter_message(response="utter_screening_resume")
        return {RESUME: True}

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, topics: List[str]) -> None:
        for topic in topics:
            dispatcher.utter_message(response=f"utter_faq/{topic}")

    @staticmethod
    async def _keep_person_coming(tracker: Tracker, urgency: str) -> None:
        """The escalation's handoff stays open (or opens again if staff closed it), raised when not safe."""
        category = tracker.get_slot("risk_category") or "suicide"
        try:
            await asyncio.to_thread(request_handoff, tracker.sender_id, channel_of(tracker), "risk", urgency,
                                    category)
        except StorageError as exc:
            logger.error("crisis follow-up handoff NOT recorded conversation=%s: %s", tracker.sender_id, exc)
