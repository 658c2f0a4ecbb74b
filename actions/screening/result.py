"""action_screening_result: the suggestion, in plain words, with contract 3's payload and a next step.

The wording is domain.yml's utter_screening_result_<outcome> (headline and disclaimer) with {details} from
outcome.details() (the reasons, fixed sentences reviewed with the decision, in the conversation's language),
and utter_screening_next_steps.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, get_logger
from bot.core.contract import LANGUAGE, OUTCOME, REASONS, SCREENING, conversation_language
from bot.core.screening.outcome import details, decide
from bot.storage.db import StorageError
from bot.storage.screening import save_screening

logger = get_logger(__name__)


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
        # The headline and the disclaimer are the outcome's response; the reasons are outcome.py's sentences,
        # in the conversation's language (the response's Spanish variation is picked by the same slot).
        language = conversation_language(tracker.get_slot(LANGUAGE))
        dispatcher.utter_message(response=f"utter_screening_result_{result.outcome}",
                                 details=details(result, language))
        dispatcher.utter_message(json_message={SCREENING: {OUTCOME: result.outcome, REASONS: result.reasons}})
        dispatcher.utter_message(response="utter_screening_next_steps")
        try:
            await asyncio.to_thread(save_screening, tracker.sender_id, channel_of(tracker), result.outcome,
                                    result.reasons, answers)
        except StorageError as exc:
            logger.error("screening result not stored conversation=%s: %s", tracker.sender_id, exc)
        return [SlotSet("screening_outcome", result.outcome)]
