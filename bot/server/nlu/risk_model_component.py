"""The learned risk model (bot/core/risk/model.py) as a trainable Rasa NLU component.

Trained by `rasa train` on the risk corpus (`corpus`, default data/risk/) together with the NLU training
data (risk_* intents as their category, every other intent as `none`). It only scores: every parse gets a
`risk_model` entry ({"score", "category"}), and bot.server.nlu.risk_component.RiskSignalDetector, which runs
after it, decides with the rules (escalate, ask directly, or nothing). The corpus files are part of the
fingerprint, so changing them retrains the model.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.contract import RISK_MODEL_KEY, risk_category_of
from bot.core.nlp import corpora
from bot.core.risk.model import LABELS, NONE, RiskModel, load_corpus, with_ordinary_sentences
from bot.core.settings import ROOT

logger = logging.getLogger(__name__)


# Risk labels from the console's review page (`make export-reviewed`), learned with the corpus once committed.
REVIEWED = ROOT / "data" / "reviewed" / "risk"


# How training_set builds the examples and RiskModel.fit learns from them: a new value retrains the model when only
# this code changed (the corpus fingerprint would not see it). 2: the sentences of ordinary messages added as
# ordinary (session 10). 3: screen answers telling a problem present now left out of the ordinary examples (session
# 11, corpora.PRESENT_PROBLEM). 4: the yes/no score model learns on NB-weighted features (session 12,
# model.log_count_ratios). 5: the word n-grams read negation scope (session 13, model.mark_negation). 6: the category
# model learns from the risky readings alone (session 17, RiskModel.fit).
TRAINING_SET_VERSION = "6"


def corpus_files(config: Dict[Text, Any]) -> List[Path]:
    folder = Path(config.get("corpus") or "data/risk")
    folder = folder if folder.is_absolute() else ROOT / folder
    return sorted(folder.glob("*.yml")) + sorted(REVIEWED.glob("*.yml"))


def training_set(corpus: List[Path], answers: Optional[Path], intent_examples: List[Message]) -> Tuple[List[str], List[str]]:
    """What the model learns from: the risk corpus, the NLU examples (risk_* intents as their category, every
    other intent as `none`) and the screen's answers (history told for the screen: `none`; not those telling a
    medical, mental-health or home problem present now, corpora.PRESENT_PROBLEM), with the sentences of
    every ordinary message as ordinary examples too (model.with_ordinary_sentences)."""
    texts, labels = load_corpus(corpus)
    for example in intent_examples:
        intent = str(example.get(INTENT) or "")
        category = risk_category_of(intent)
        label = category if category is not None else NONE
        if label in LABELS and example.get(TEXT):
            texts.append(example.get(TEXT))
            labels.append(label)
    answers_texts = corpora.ordinary_answer_texts(answers)
    return with_ordinary_sentences(texts + answers_texts, labels + [NONE] * len(answers_texts))

@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RiskModelScorer(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"corpus": "data/risk", "answers": None, "c": 8.0, "category_c": 16.0, "random_seed": 7}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        digest = hashlib.sha256()
        for path in corpus_files(config):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        digest.update(corpora.fingerprint(corpora.folder_of(config.get("answers"))).encode())
        digest.update(TRAINING_SET_VERSION.encode())
        return digest.hexdigest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RiskModelScorer":
        return cls(config, model_storage, resource)

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[RiskModel] = None) -> None:
        self.config, self._storage, self._resource, self.model = config, model_storage, resource, model

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = training_set(corpus_files(self.config), corpora.folder_of(self.config.get("answers")),
                                     training_data.intent_examples)
        self.model = RiskModel.fit(texts, labels, c=float(self.config["c"]), seed=int(self.config["random_seed"]),
                                   category_c=float(self.config["category_c"]))
        logger.info("risk model trained on %d messages (%d risk)", len(texts), sum(x != NONE for x in labels))
        with self._storage.write_to(self._resource) as directory:
            self.model.save(Path(directory))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "RiskModelScorer":
        try:
            with model_storage.read_from(resource) as directory:
                return cls(config, model_storage, resource, RiskModel.load(Path(directory)))
        except (ValueError, FileNotFoundError) as exc:
            # A model trained without the corpus still serves: the rules and the classifier keep working.
            logger.error("risk model could not be loaded, scoring nothing: %s", exc)
            return cls(config, model_storage, resource)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.model is not None and message.get(TEXT):
                message.set(RISK_MODEL_KEY, self.model.score(message.get(TEXT)).as_dict(), add_to_output=True)
        return messages
