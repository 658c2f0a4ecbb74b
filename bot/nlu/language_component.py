"""Messages in Spanish get the intent `speak_spanish`, so the bot answers in Spanish with 988's Spanish
option instead of guessing at an English topic. It runs before the risk detector, whose verdict still
wins: a Spanish message with a risk signal escalates (the crisis reply then adds the Spanish line)."""
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
            if looks_spanish(message.get(TEXT) or ""):
                top = {INTENT_NAME_KEY: SPANISH_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                rest = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != SPANISH_INTENT]
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [top] + rest, add_to_output=True)
        return messages
