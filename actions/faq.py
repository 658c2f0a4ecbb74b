"""action_answer_more: after an FAQ answer, answer a second question asked in the same message."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_of
from bot.core.faq_topics import SEGMENTS_KEY, other_questions, question_sentences, topic_of

TOPIC_NAMES = {
    "insurance": "insurance", "cost": "cost", "duration": "how long the program lasts",
    "schedule": "the schedule", "working_during_iop": "working during the program", "relapse": "relapse",
    "detox_first": "detox", "what_is_iop": "what IOP is", "levels_of_care": "levels of care",
    "first_week": "the first week", "therapies": "the therapies", "mat": "medication",
    "family": "family", "virtual": "the virtual option", "confidentiality": "privacy",
    "location": "where we are", "age_limits": "age limits", "start_date": "when you can start",
    "session_length": "how long each session lasts", "what_to_bring": "what to bring",
}
# The same names in Spanish, for a conversation in Spanish (the `language` slot).
TOPIC_NAMES_ES = {
    "insurance": "el seguro", "cost": "el costo", "duration": "cuánto dura el programa",
    "schedule": "el horario", "working_during_iop": "trabajar durante el programa", "relapse": "las recaídas",
    "detox_first": "la desintoxicación", "what_is_iop": "qué es un IOP", "levels_of_care": "los niveles de atención",
    "first_week": "la primera semana", "therapies": "las terapias", "mat": "los medicamentos",
    "family": "la familia", "virtual": "la opción virtual", "confidentiality": "la privacidad",
    "location": "dónde estamos", "age_limits": "las edades", "start_date": "cuándo puede empezar",
    "session_length": "cuánto dura cada sesión", "what_to_bring": "qué traer",
}
MAX_EXTRA_ANSWERS = 2


def answered_topic(tracker: Tracker) -> str:
    selectors = (tracker.latest_message or {}).get("response_selector") or {}
    chosen = selectors.get("faq") or selectors.get("default") or {}
    key = ((chosen.get("response") or {}).get("intent_response_key")) or ""
    return key.split("/", 1)[1] if "/" in key else ""


def questions_asked(tracker: Tracker, text: str) -> List[str]:
    """FAQ topics a message asks about beside something else (a crisis, an answer about safety): the
    classifier's topic when it read an FAQ, and the topics of its question sentences."""
    topics: List[str] = []
    if intent_of(tracker) == "faq" and answered_topic(tracker):
        topics.append(answered_topic(tracker))
    scored = (tracker.latest_message or {}).get(SEGMENTS_KEY)
    for sentence in question_sentences(text):
        topic = topic_of(sentence, scored)
        if topic and topic not in topics:
            topics.append(topic)
    return topics[:MAX_EXTRA_ANSWERS]


class ActionAnswerMore(Action):
    def name(self) -> Text:
        return "action_answer_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        answered = answered_topic(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        topics, unclear = other_questions(text, answered, (tracker.latest_message or {}).get(SEGMENTS_KEY))
        for topic in topics[:MAX_EXTRA_ANSWERS]:
            dispatcher.utter_message(response=f"utter_faq/{topic}")
        if unclear and not topics and answered:
            names = TOPIC_NAMES_ES if tracker.get_slot("language") == "es" else TOPIC_NAMES
            dispatcher.utter_message(response="utter_faq_answered_one",
                                     topic_name=names.get(answered, TOPIC_NAMES.get(answered, answered.replace("_", " "))))
        return []
