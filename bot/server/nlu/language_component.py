"""Messages in Spanish get the intent `speak_spanish`, so the bot answers in Spanish with 988's Spanish
option instead of guessing at an English topic. It runs before the risk detector, whose verdict still
wins: a Spanish message with a risk signal escalates, and the crisis reply is the Spanish one. A crisis
intent from the classifier is left in place for the detector to judge, as for English.

Every message that shows its language also gets the entity `language` ("es" or "en"), which fills the
`language` slot: domain.yml's Spanish variations (condition language = es) are picked by it, in the Rasa
server's own rendering, so the crisis reply is in Spanish even when the action server is down. A message too
short to tell ("sí", "ok") sets nothing, and the conversation keeps its language.

A Spanish question the classifier reads as an FAQ (intent `faq`) or as out of scope, with at least
`answer_threshold` confidence, keeps that intent (issue 18): the FAQ rule answers it, and the `language` slot
picks the answer's Spanish variation, rendered with the profile's Spanish values (bot/server/nlg.py). A question whose
FAQ topic is `out_of_scope` (faq/out_of_scope has examples and no answer) becomes `out_of_scope`, so it gets the
fallback's kind out-of-scope answer. Everything else Spanish (a greeting, a reading under the threshold, an
unclear message) and any Spanish message while a form is active still gets `speak_spanish`: the screen and the
crisis follow-up read it as an answer (their questions are in Spanish too; the follow-up's reader knows Spanish,
bot/core/risk/safety_answer.py), the callback form (in English) ends with the short Spanish answer."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (RESPONSE_SELECTOR_PROPERTY_NAME)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (ENTITIES, ENTITY_ATTRIBUTE_CONFIDENCE, ENTITY_ATTRIBUTE_END,
                                      ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE,
                                      EXTRACTOR, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY,
                                      PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core import contract
from bot.core.faq_topics import chosen_topic
from bot.core.language import language_of
from bot.server.nlu.risk_component import RISK_INTENT_PREFIX

SPANISH_INTENT = "speak_spanish"
LANGUAGE_ENTITY = contract.LANGUAGE
FAQ_INTENT = "faq"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# Intents a Spanish message keeps when the classifier is sure enough (config.yml `answer_threshold`).
ANSWERED_INTENTS = (FAQ_INTENT, OUT_OF_SCOPE_INTENT)
DEFAULT_ANSWER_THRESHOLD = 0.3  # chosen on development data (config.yml)


def faq_topic(message: Message) -> str:
    """The FAQ topic the response selector chose ("insurance"), or ""."""
    return chosen_topic(message.get(RESPONSE_SELECTOR_PROPERTY_NAME))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SpanishGate(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"answer_threshold": DEFAULT_ANSWER_THRESHOLD}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpanishGate":
        return cls({**cls.get_default_config(), **(config or {})})

    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        self.answer_threshold = float((config or {}).get("answer_threshold", DEFAULT_ANSWER_THRESHOLD))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        in_form = bool(tracker is not None and getattr(tracker, "active_loop_name", None))
        for message in messages:
            text = message.get(TEXT) or ""
            language = language_of(text)
            if language:
                self._set_language(message, language, len(text))
            if language != "es":
                continue
            spanish = {INTENT_NAME_KEY: SPANISH_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            current = message.get(INTENT) or {}
            name = str(current.get(INTENT_NAME_KEY) or "")
            rest = [r for r in message.get(INTENT_RANKING_KEY) or []
                    if r.get(INTENT_NAME_KEY) not in (SPANISH_INTENT, name)]
            if name.startswith(RISK_INTENT_PREFIX):
                # The classifier read a crisis: that stays for the risk detector to judge (its second net);
                # Spanish comes next, so a crisis reading it overrules still gets the Spanish answer.
                message.set(INTENT_RANKING_KEY, [current, spanish] + rest, add_to_output=True)
                continue
            if not in_form and name in ANSWERED_INTENTS \
                    and float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.answer_threshold:
                # A question the bot can answer (or kindly decline): answered in Spanish by the language slot.
                if name == FAQ_INTENT and faq_topic(message) == OUT_OF_SCOPE_INTENT:
                    current = {**current, INTENT_NAME_KEY: OUT_OF_SCOPE_INTENT}
                    message.set(INTENT, current, add_to_output=True)
                    rest = [r for r in rest if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE_INTENT]
                message.set(INTENT_RANKING_KEY, [current, spanish] + rest, add_to_output=True)
                continue
            message.set(INTENT, spanish, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [spanish] + ([current] if name and name != SPANISH_INTENT else []) + rest,
                        add_to_output=True)
        return messages

    @staticmethod
    def _set_language(message: Message, language: str, length: int) -> None:
        kept = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) != LANGUAGE_ENTITY]
        kept.append({ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY, ENTITY_ATTRIBUTE_VALUE: language,
                     ENTITY_ATTRIBUTE_START: 0, ENTITY_ATTRIBUTE_END: length, ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                     EXTRACTOR: "SpanishGate"})
        message.set(ENTITIES, kept, add_to_output=True)
