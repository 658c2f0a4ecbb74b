"""action_fallback: a kind answer when the bot did not understand; the second miss in a row offers a person."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.profile import current_profile

MISS_INTENTS = {"nlu_fallback", "out_of_scope"}
WHAT_I_CAN_DO = (
    "I can answer questions about our program (what IOP is, cost, insurance, schedule, what to expect), "
    "help you check whether IOP might fit, or connect you with a person. "
    "If you are in danger, call 911, or call or text 988."
)
NOT_UNDERSTOOD = "I'm sorry, I didn't understand that. " + WHAT_I_CAN_DO
OUT_OF_SCOPE = "That's outside what I can help with, sorry. " + WHAT_I_CAN_DO
OFFER_PERSON = (
    "I'm sorry, I still didn't understand. Would you like to talk with a person from our team? "
    "Type 'person', or call us at {phone}. You can also ask in a different way, for example "
    "'how much does it cost' or 'what is IOP'."
)


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
            phone = current_profile().phone
            dispatcher.utter_message(text=OFFER_PERSON.format(phone=phone),
                                     buttons=[{"title": "Talk to a person", "payload": "I want to talk to a person"}])
        elif ((tracker.latest_message or {}).get("intent") or {}).get("name") == "out_of_scope":
            dispatcher.utter_message(text=OUT_OF_SCOPE)
        else:
            dispatcher.utter_message(text=NOT_UNDERSTOOD)
        return []
