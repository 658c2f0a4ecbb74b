"""Messages in Spanish get the intent `speak_spanish`, so the bot answers in Spanish with 988's Spanish
option instead of guessing at an English topic. It runs before the risk detector, whose verdict still
wins: a Spanish message with a risk signal escalates (the crisis reply then adds the Spanish line). A
crisis intent from the classifier is left in place for the detector to judge, as for English."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import looks_spanish
from bot.nlu.risk_component import RISK_INTENT_PREFIX

SPANISH_INTENT = "speak_spanish"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SpanishGate(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpanishGate":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not looks_spanish(message.get(TEXT) or ""):
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
            message.set(INTENT, spanish, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [spanish] + ([current] if name and name != SPANISH_INTENT else []) + rest,
                        add_to_output=True)
        return messages
