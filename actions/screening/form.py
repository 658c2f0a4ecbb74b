"""validate_screening_form: reads each answer only while its own question is asked.

A message that is a risk signal, a question, a request for a person or "stop" fills nothing: the form
rejects it and the rules take over (escalation, the FAQ answer then the form again, the handoff, the
stop). A button, an SMS number or a bare yes/no is read exactly; other words by the question's model
(answer_model.py): stored when it is sure, confirmed in one line when it is less sure, and asked once
more with examples when it cannot read them, then recorded as "not sure". A Spanish answer is read by the word
rules first (the models learned English); the questions are asked in the conversation's language (domain.yml).
One answer can fill two questions: "vodka every day" answers what and how often.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import intent_of, latest_risk
from bot.core import contract
from bot.core.contract import is_risk_intent
from bot.core.language import language_of
from bot.core.screening import answer_model, extract

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
SCREENING_FORM = "screening_form"
# The question a risk signal interrupted (keep_answer), and the sign that the screen goes on from it.
PAUSED, RESUME = "screening_paused", "screening_resume"
# Intents that are never an answer: the rules handle them.
INTERRUPTIONS = {"faq", "human_handoff", "stop", "retract", "bot_challenge", "cannot_understand", "check_fit",
                 "request_callback", "goodbye"}


# Even where any words are an answer, these still take over.
ALWAYS_INTERRUPT = {"human_handoff", "stop", "retract"}


def escalates(tracker: Tracker) -> bool:
    """Whether the latest message gets the crisis reply (the risk layer's verdict or a risk intent)."""
    return bool(latest_risk(tracker).get("is_risk")) or is_risk_intent(intent_of(tracker))


def is_interruption(tracker: Tracker, strict: bool = False) -> bool:
    """Whether the latest message is not an answer (strict: only risk, a person or stop count)."""
    return escalates(tracker) or intent_of(tracker) in (ALWAYS_INTERRUPT if strict else INTERRUPTIONS)


def _stored(slot: str, value: str, text: str, tracker: Tracker) -> Dict[Text, Any]:
    events: Dict[Text, Any] = {slot: value, "screening_retry": None, "screening_confirm": None}
    # "vodka every day" answers how often too; "weed mostly and coke on weekends" does not say how often
    # overall (weekly would under-read daily weed), so only an answer naming one substance fills it.
    if slot == "screening_substances" and "," not in value and not tracker.get_slot("screening_frequency"):
        often = extract.frequency(text)
        if often and often != extract.UNSURE:
            events["screening_frequency"] = often
    return events


def _not_read(slot: str, tracker: Tracker) -> Dict[Text, Any]:
    if tracker.get_slot("screening_retry") != slot:
        return {"screening_retry": slot, "screening_confirm": None}  # ask once more, with examples
    return {slot: extract.UNSURE, "screening_retry": None, "screening_confirm": None}


def in_spanish(text: str, tracker: Tracker) -> bool:
    """Whether the message is in Spanish: it reads as Spanish, or the conversation is and it shows no language."""
    language = language_of(text)
    if language is not None:
        return language == contract.SPANISH
    return contract.conversation_language(tracker.get_slot(contract.LANGUAGE)) == contract.SPANISH


def read_answer(slot: str, tracker: Tracker, despite_risk: bool = False) -> Dict[Text, Any]:
    """The slot events for the latest message as an answer to `slot`; {} when it is not an answer.
    `despite_risk`: read it even though it escalated (the answer kept while the screen waits, keep_answer)."""
    if tracker.get_slot("requested_slot") != slot or tracker.latest_message.get("text") is None:
        return {}
    text = (tracker.latest_message or {}).get("text") or ""
    if text.startswith("/"):
        return {}
    if not despite_risk and escalates(tracker):
        return {}
    question = slot[len("screening_"):]

    # The reply to a one-line confirmation ("So no shakes ... when you stop?").
    confirm = tracker.get_slot("screening_confirm") or ""
    if confirm.startswith(question + ":"):
        reply = extract.exact(text)
        if reply == extract.YES:
            return _stored(slot, confirm.split(":", 1)[1], text, tracker)
        if reply == extract.NO:
            return {"screening_confirm": None, "screening_retry": slot}  # the question again, with examples

    value = extract.exact(text, question)
    if value is not None:
        return _stored(slot, value, text, tracker)
    if is_interruption(tracker) and not (despite_risk and intent_of(tracker) not in INTERRUPTIONS):
        # The rules answer it (an FAQ, a person, stop) and Rasa validates a form only right after listening:
        # such a message is never read as an answer. Mid-screen, the NLU reads a statement as an answer
        # (bot/server/nlu/linear_components.py), so "every day, how much does it cost" arrives here as inform.
        return {}
    if in_spanish(text, tracker):
        # The answer models learned English: a Spanish answer is read by the word rules, which know plain Spanish
        # answers ("todos los días", "mi pareja bebe"); what they cannot read goes on as in English.
        value = READERS[slot](text)
        if value is not None:
            return _stored(slot, value, text, tracker)
    if question == "substances":  # the names people use are facts: words first, the model for the rest
        value = READERS[slot](text)
        if value is None:
            reading = answer_model.reader().read(question, text)
            value = reading.value if reading else None
        return _stored(slot, value, text, tracker) if value is not None else _not_read(slot, tracker)

    reading = answer_model.reader().read(question, text)
    if reading is None:  # no model for this question: the word rules alone
        value = READERS[slot](text)
        return _stored(slot, value, text, tracker) if value is not None else _not_read(slot, tracker)
    if reading.confidence >= answer_model.ACCEPT:
        return _stored(slot, reading.value, text, tracker)
    if reading.confidence >= answer_model.CONFIRM and reading.value != extract.UNSURE:
        return {"screening_confirm": f"{question}:{reading.value}", "screening_retry": None}
    # What the model cannot read, the word rules may ("una o dos veces al mes", too short to tell its language;
    # "ya i did"): their reading is confirmed in one line rather than the question asked again.
    value = READERS[slot](text)
    if value is not None and value != extract.UNSURE:
        return {"screening_confirm": f"{question}:{value}", "screening_retry": None}
    return _not_read(slot, tracker)


def keep_answer(tracker: Tracker) -> List[EventType]:
    """When a risk signal interrupts the screen: the question it came in answer to, and the answer as read (a
    sure value, or the one-line confirmation to ask), kept until the person says they are safe and the screen
    goes on (validate_crisis_followup_form, data/rules.yml). "Hearing voices" is a crisis reply and, read as
    the mental-health answer, a yes. Nothing when no screen was asking."""
    slot = tracker.get_slot("requested_slot")
    if tracker.active_loop_name != SCREENING_FORM or slot not in READERS:
        return []
    read = read_answer(slot, tracker, despite_risk=True)
    kept = {key: value for key, value in read.items() if key != "screening_retry"}
    return [SlotSet(key, value) for key, value in kept.items()] + [SlotSet(PAUSED, slot)]


# Slots the reader sets beside the answers: rasa-sdk's validation keeps only the form's required slots, so
# without this they were dropped, the form saw nothing filled, and the fallback answered instead of the
# one-line confirmation or the question asked again with examples.
BOOKKEEPING = ("screening_retry", "screening_confirm")


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("requested_slot") is None:
            # Rasa validates the slots already filled when the form starts (no question asked yet): after a crisis
            # reply and "I'm safe" they are this screen's answers, and it goes on from the next question;
            # otherwise they are an earlier screen's, and a new screen starts from nothing.
            done = [SlotSet(RESUME, False), SlotSet(PAUSED, None), SlotSet("screening_retry", None)]
            if tracker.get_slot(RESUME):
                return done
            return done + [SlotSet(slot, None) for slot in (*READERS, "screening_confirm", "screening_outcome")]
        return await super().run(dispatcher, tracker, domain)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        recent = tracker.slots_to_validate()
        named = {event.get("name") for event in events}
        return events + [SlotSet(slot, recent[slot]) for slot in BOOKKEEPING if slot in recent and slot not in named]


def _make_extractor(slot: str):
    async def extractor(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[Text, Any]:
        return read_answer(slot, tracker)

    extractor.__name__ = f"extract_{slot}"
    return extractor


for _slot in READERS:
    setattr(ValidateScreeningForm, f"extract_{_slot}", _make_extractor(_slot))
