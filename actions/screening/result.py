"""action_screening_result: the suggestion, in plain words, with contract 3's payload and a next step."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, get_logger
from actions.screening.outcome import REASONS, decide
from bot.profile import current_profile
from bot.storage.db import StorageError
from bot.storage.screening import save_screening

logger = get_logger(__name__)

HEADLINES = {
    "detox_first": ("From your answers, a medical check for withdrawal may be the right first step, before IOP. "
                    "Withdrawal from alcohol or sedatives can be dangerous, so please don't stop suddenly on "
                    "your own: a doctor can make it safer."),
    "higher_level_of_care": ("From your answers, you may need more support than IOP gives, such as a partial "
                             "hospitalization or residential program, at least to start."),
    "iop_may_fit": ("From your answers, IOP may be a good fit: several sessions a week, while you keep living "
                    "at home."),
    "outpatient_may_fit": ("From your answers, standard outpatient care, one or two sessions a week, may be "
                           "enough for now. IOP is still an option if you want more support."),
}
DISCLAIMER = ("This is not a diagnosis. Only an assessment with our clinical team decides what care fits you. "
              "Our admissions team can talk it through with you.")
QUESTION_NAMES = {"frequency": "how often you use", "withdrawal": "withdrawal", "medical": "your health",
                  "mental_health": "mental health", "commitment": "your time", "relapse": "past treatment",
                  "home": "your home"}
NEXT_STEPS = [
    {"title": "Request a callback", "payload": "please call me back"},
    {"title": "Talk to a person", "payload": "I want to talk to a person"},
    {"title": "Ask a question", "payload": "I have a question"},
]


def answers_from(tracker: Tracker) -> Dict[str, Any]:
    return {key: tracker.get_slot(f"screening_{key}") for key in
            ("substances", "frequency", "withdrawal", "medical", "mental_health", "commitment", "relapse", "home")}


class ActionScreeningResult(Action):
    def name(self) -> Text:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        answers = answers_from(tracker)
        result = decide(answers)
        lines = [HEADLINES[result.outcome]]
        lines += [REASONS[r] for r in result.reasons]
        if result.to_discuss:
            lines.append("We can also talk about " + ", ".join(QUESTION_NAMES[q] for q in result.to_discuss) + ".")
        lines.append(DISCLAIMER)
        dispatcher.utter_message(text=" ".join(lines))
        dispatcher.utter_message(json_message={"screening": {"outcome": result.outcome, "reasons": result.reasons}})
        dispatcher.utter_message(
            text="What would you like to do next? I can take a callback request, connect you with a person, "
                 f"or answer more questions. You can also call us at {current_profile().phone}.",
            buttons=NEXT_STEPS)
        try:
            await asyncio.to_thread(save_screening, tracker.sender_id, channel_of(tracker), result.outcome,
                                    result.reasons, answers)
        except StorageError as exc:
            logger.error("screening result not stored conversation=%s: %s", tracker.sender_id, exc)
        return [SlotSet("screening_outcome", result.outcome)]
