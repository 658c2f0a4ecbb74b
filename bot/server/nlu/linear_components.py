"""The intent classifier and the FAQ topic selector as linear models (bot/core/nlp/linear.py), as Rasa components.

They replace DIETClassifier and ResponseSelector for the training budget (issue 17: `make train` within 6
minutes on 2 cores; the neural pair took over 13 minutes on the corpus of issue 18) and were no worse on the
development set (tests/nlu/dev.yml; README "Language understanding"). They set what Rasa's own components set:
`intent` and `intent_ranking`, and `response_selector` in the shape ResponseSelector gives it, so the
retrieval action (`utter_faq`), the FallbackClassifier and the risk detector work unchanged.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.faq_topics import SEGMENTS_KEY, candidate_segments, first_asked, is_question, question_focus
from bot.core.nlp import corpora
from bot.core.nlp.linear import TextClassifier
from bot.core.risk.screen_context import ANSWER_INTENT, question_asked

logger = logging.getLogger(__name__)
MODEL_FILE = "linear.joblib"
# Mid-screen, a statement read as one of these, or read as anything with less than UNSURE_INTENT, is an answer.
TAKEN_AS_ANSWER = frozenset({"faq", "out_of_scope"})
UNSURE_INTENT = 0.3


class _LinearComponent(GraphComponent):
    """Training, persistence and loading shared by the two components."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"c": 8.0, "char_min_df": 1, "random_seed": 7, "ranking_length": 10, "max_iter": 3000}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "_LinearComponent":
        return cls(config, model_storage, resource)

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[TextClassifier] = None, extra: Optional[Dict[str, Any]] = None) -> None:
        self.config, self._storage, self._resource = {**self.get_default_config(), **config}, model_storage, resource
        self.model, self.extra = model, extra or {}

    def _fit(self, texts: List[str], labels: List[str]) -> None:
        self.model = TextClassifier(c=float(self.config["c"]), min_df=int(self.config["char_min_df"]),
                                    seed=int(self.config["random_seed"]),
                                    max_iter=int(self.config["max_iter"])).fit(texts, labels)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump({"model": self.model, "extra": self.extra}, Path(directory) / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "_LinearComponent":
        try:
            with model_storage.read_from(resource) as directory:
                parts = joblib.load(Path(directory) / MODEL_FILE)
            return cls(config, model_storage, resource, parts["model"], parts["extra"])
        except (ValueError, FileNotFoundError) as exc:  # untrained (no examples): predicts nothing
            logger.warning("%s has no trained model: %s", cls.__name__, exc)
            return cls(config, model_storage, resource)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(_LinearComponent):
    """The intent of each message (retrieval intents as their base name, e.g. `faq`). `answers` names a folder of
    screen answers (bot/core/nlp/corpora.py) learned as `answers_intent`: an answer is not an FAQ question."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**_LinearComponent.get_default_config(), "answers": None, "answers_intent": ANSWER_INTENT,
                "by_topic": False, "out_of_scope_weight": 1.0}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return corpora.fingerprint(corpora.folder_of(config.get("answers")))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        # by_topic: each FAQ topic is its own class and `faq` is their sum at prediction. One class for twenty
        # topics must fence them all off from out of scope with one plane; "where r u located" fell between.
        texts = [e.get(TEXT) for e in examples]
        labels = [str(e.get_full_intent() if self.config["by_topic"] else e.get(INTENT)) for e in examples]
        answers = corpora.answer_texts(corpora.folder_of(self.config.get("answers")))
        self._fit(texts + answers, labels + [str(self.config["answers_intent"])] * len(answers))
        logger.info("intent classifier trained on %d examples and %d screen answers", len(examples), len(answers))
        return self._resource

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        # While the screen waits for an answer, a message not phrased as a question is the answer, not an FAQ
        # or out of scope: "my wife doesn't drink and she's been very patient" reads as family talk, "retired, so
        # my calendar is empty" as nothing. The form never reads a message a rule answered first (Rasa
        # validates a form only right after listening). Risk is decided after this, on every message.
        screen_question = question_asked(tracker)
        for message in messages:
            if self.model is None or not message.get(TEXT):
                continue
            ranking = self._ranking(message.get(TEXT))
            answer = str(self.config["answers_intent"])
            best, confidence = ranking[0][INTENT_NAME_KEY], ranking[0][PREDICTED_CONFIDENCE_KEY]
            if screen_question and (best in TAKEN_AS_ANSWER or confidence < UNSURE_INTENT) \
                    and not is_question(message.get(TEXT)):
                # Sure as an answer (the screen's answer model then says how sure the reading is); the other
                # readings stay in the ranking well below it, or the FallbackClassifier would call it ambiguous.
                top = {INTENT_NAME_KEY: answer, PREDICTED_CONFIDENCE_KEY: 1.0}
                ranking = [top] + [{**r, PREDICTED_CONFIDENCE_KEY: min(r[PREDICTED_CONFIDENCE_KEY], UNSURE_INTENT)}
                                   for r in ranking if r[INTENT_NAME_KEY] != answer]
            elif not screen_question and best == answer and is_question(message.get(TEXT)):
                # No screen is waiting and it is phrased as a question: the screen's answers (statements) are
                # what taught "inform", so the best other reading stands ("what if i drink during the program").
                ranking = ranking[1:] + ranking[:1]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _ranking(self, text: str) -> List[Dict[str, Any]]:
        """The intents, best first; with topics as classes, a retrieval intent's probability is its topics' sum.
        `out_of_scope_weight` weighs out of scope against twenty topics that each pull toward `faq` (then all are
        scaled to sum to one again)."""
        summed: Dict[str, float] = {}
        for name, p in self.model.ranking(text, len(self.model.labels), question_focus(text)):
            base = name.split("/", 1)[0]
            summed[base] = summed.get(base, 0.0) + p
        weight, total = float(self.config["out_of_scope_weight"]), 1.0  # the model's probabilities sum to one
        if "out_of_scope" in summed:
            total += summed["out_of_scope"] * (weight - 1.0)
            summed["out_of_scope"] *= weight
        best = sorted(summed.items(), key=lambda item: -item[1])[: int(self.config["ranking_length"])]
        return [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p / total} for name, p in best]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearResponseSelector(_LinearComponent):
    """The topic of a retrieval intent (`faq/insurance`), in ResponseSelector's output shape."""

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples
                    if e.get(TEXT) and e.get(INTENT) in training_data.retrieval_intents]
        self.extra = {"retrieval_intents": sorted(training_data.retrieval_intents),
                      "responses": {key: value for key, value in training_data.responses.items()}}
        if examples:
            self._fit([e.get(TEXT) for e in examples], [e.get_full_intent() for e in examples])
        logger.info("response selector trained on %d examples", len(examples))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.model is None or not message.get(TEXT):
                continue
            # Every topic's probability, scored once: the first question's topic may sit below the ranking's cut.
            ranking = self.model.ranking(message.get(TEXT), len(self.model.labels), question_focus(message.get(TEXT)))
            scored = self._score_segments(message)
            first = first_asked(message.get(TEXT), ranking[0][0].split("/", 1)[-1], scored)
            if first is not None:  # two questions: the one asked first is answered first
                ranking = sorted(ranking, key=lambda pair: pair[0].split("/", 1)[-1] != first)
            ranking = ranking[:int(self.config["ranking_length"])]
            key, confidence = ranking[0]
            prediction = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.extra["responses"].get(f"utter_{key}", [{TEXT: key}]),
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    INTENT_RESPONSE_KEY: key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: [{"id": i, PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: k}
                                                for i, (k, p) in enumerate(ranking)],
            }
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {}) or {}
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.extra["retrieval_intents"]
            properties[RESPONSE_SELECTOR_DEFAULT_INTENT] = prediction
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages

    def _score_segments(self, message: Message) -> Dict[str, List]:
        """The topic of each question segment on its own, for a second question in the same message
        (bot/core/faq_topics.py reads them back; actions/faq.py answers them)."""
        segments = candidate_segments(message.get(TEXT))
        if not segments or self.model is None:
            return {}
        probabilities, labels = self.model.probabilities(segments), self.model.labels
        scored = {}
        for segment, row in zip(segments, probabilities, strict=True):
            best = int(row.argmax())
            scored[segment] = [labels[best].split("/", 1)[-1], round(float(row[best]), 4)]
        message.set(SEGMENTS_KEY, scored, add_to_output=True)
        return scored
