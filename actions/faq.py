"""action_answer_more: after an FAQ answer, answer a second question asked in the same message."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_of
from bot.core import contract
from bot.core.faq_topics import (SEGMENTS_KEY, SELECTOR_KEY, chosen_topic, other_questions, question_sentences,
                                 topic_name, topic_of)

MAX_EXTRA_ANSWERS = 2


def answered_topic(tracker: Tracker) -> str:
    return chosen_topic((tracker.latest_message or {}).get(SELECTOR_KEY))


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
            language = contract.conversation_language(tracker.get_slot(contract.LANGUAGE))
            dispatcher.utter_message(response="utter_faq_answered_one", topic_name=topic_name(answered, language))
        return []
