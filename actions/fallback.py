"""action_fallback: a kind answer when the bot did not understand; the second miss in a row offers a person.

The wording is domain.yml's utter_fallback_*.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

MISS_INTENTS = {"nlu_fallback", "out_of_scope"}


def misses_in_a_row(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in MISS_INTENTS:
            break
        count += 1
    return count


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if misses_in_a_row(tracker) >= 2:
            dispatcher.utter_message(response="utter_fallback_offer_person")
        elif ((tracker.latest_message or {}).get("intent") or {}).get("name") == "out_of_scope":
            dispatcher.utter_message(response="utter_fallback_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_fallback_not_understood")
        return []
