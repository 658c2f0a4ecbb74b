"""validate_screening_form: reads each answer only while its own question is asked.

A message that is a risk signal, a question, a request for a person or "stop" fills nothing: the form
rejects it and the rules take over (escalation, the FAQ answer then the form again, the handoff, the
stop). An answer that cannot be read is asked once more with examples, then recorded as "not sure".
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import intent_of, latest_risk
from actions.screening import extract

READERS: Dict[str, Callable[[str], Optional[str]]] = {
    "screening_substances": extract.substances,
    "screening_frequency": extract.frequency,
    "screening_withdrawal": extract.withdrawal,
    "screening_medical": extract.yes_no,
    "screening_mental_health": extract.yes_no,
    "screening_commitment": extract.yes_no,
    "screening_relapse": extract.yes_no,
    "screening_home": extract.home,
}
# Intents that are never an answer: the rules handle them.
INTERRUPTIONS = {"faq", "human_handoff", "stop", "retract", "bot_challenge", "cannot_understand", "check_fit",
                 "request_callback", "goodbye"}


# Even where any words are an answer, these still take over.
ALWAYS_INTERRUPT = {"human_handoff", "stop", "retract"}


def is_interruption(tracker: Tracker, strict: bool = False) -> bool:
    """Whether the latest message is not an answer (strict: only risk, a person or stop count)."""
    intent = intent_of(tracker)
    if latest_risk(tracker).get("is_risk") or intent.startswith("risk_"):
        return True
    return intent in (ALWAYS_INTERRUPT if strict else INTERRUPTIONS)


def read_answer(slot: str, tracker: Tracker) -> Dict[Text, Any]:
    """The slot events for the latest message as an answer to `slot`; {} when it is not an answer."""
    if tracker.get_slot("requested_slot") != slot or tracker.latest_message.get("text") is None:
        return {}
    text = (tracker.latest_message or {}).get("text") or ""
    if text.startswith("/"):
        return {}
    value = READERS[slot](text)
    if latest_risk(tracker).get("is_risk") or intent_of(tracker).startswith("risk_"):
        return {}
    if value is None and is_interruption(tracker):
        return {}
    # A question that also reads as an answer ("no, but how much is it?") counts as the answer.
    if value is not None:
        return {slot: value, "screening_retry": None}
    if tracker.get_slot("screening_retry") != slot:
        return {"screening_retry": slot}  # ask once more, with examples
    return {slot: extract.UNSURE, "screening_retry": None}


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"


def _make_extractor(slot: str):
    async def extractor(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[Text, Any]:
        return read_answer(slot, tracker)

    extractor.__name__ = f"extract_{slot}"
    return extractor


for _slot in READERS:
    setattr(ValidateScreeningForm, f"extract_{_slot}", _make_extractor(_slot))
