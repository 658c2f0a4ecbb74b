"""action_answer_more: after an FAQ answer, answer a second question asked in the same message."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_of
from bot.faq_topics import QUESTION_START, other_questions, topic_of

TOPIC_NAMES = {
    "insurance": "insurance", "cost": "cost", "duration": "how long the program lasts",
    "schedule": "the schedule", "working_during_iop": "working during the program", "relapse": "relapse",
    "detox_first": "detox", "what_is_iop": "what IOP is", "levels_of_care": "levels of care",
    "first_week": "the first week", "therapies": "the therapies", "mat": "medication",
    "family": "family", "virtual": "the virtual option", "confidentiality": "privacy",
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
    for sentence in re.split(r"(?<=[.!?;\n])\s*", text or ""):
        sentence = sentence.strip()
        if sentence.endswith("?") or QUESTION_START.match(sentence):
            topic = topic_of(sentence)
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
        topics, unclear = other_questions(text, answered)
        for topic in topics[:MAX_EXTRA_ANSWERS]:
            dispatcher.utter_message(response=f"utter_faq/{topic}")
        if unclear and not topics and answered:
            dispatcher.utter_message(
                text=f"I answered your question about {TOPIC_NAMES.get(answered, answered)}. If you asked "
                     "something else too, please send it again on its own and I'll answer it.")
        return []
