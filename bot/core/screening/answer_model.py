"""Reading a free-text screening answer with a model trained for its question.

Buttons, SMS numbers and a bare "yes", "no" or "not sure" are read exactly (extract.py). Anything else is
read by a linear classifier per question (bot/core/nlp/linear.py: word and character n-grams), trained on the answers in
data/screening_answers/ (several independent writers; each file records its writer's slice). The model
gives a value and how sure it is: sure enough and the value is stored; less sure and the form confirms
in one short line ("So no shakes, sweats or seizures when you stop?") instead of storing "not sure".

The models train in about a second when the action server first needs them (no artifact to ship or to
go stale); training is deterministic, so every process reads an answer the same way.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot.core.screening.outcome import ANSWER_VALUES, NO, UNSURE, YES
from bot.core.nlp import corpora
from bot.core.nlp.linear import TextClassifier

DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "screening_answers"
SUBSTANCES = ("alcohol", "benzodiazepines", "opioids", "stimulants", "cannabis", "other")
# Values each question's model chooses between (substances is a set of these names, read per substance).
VALUES: Dict[str, Tuple[str, ...]] = {
    "frequency": ANSWER_VALUES["frequency"],
    "home": ANSWER_VALUES["home"],
    **{q: (YES, NO, UNSURE) for q in ("withdrawal", "medical", "mental_health", "commitment", "relapse")},
}
# Chosen by leave-one-writer-out cross-validation of the answer files (tools/screen_eval.py --cv, two
# writers, 862 answers): the top reading is right for about 80% of another writer's answers whatever the
# regularisation; from 0.7 (with C=16) 47% of answers are stored, 95% of them right, and the rest are
# confirmed in one line rather than stored wrong. Below CONFIRM the answer is treated as unreadable (asked
# again with examples). A wrong "no" on withdrawal would skip detox-first: confirming is the cheap side.
ACCEPT = 0.7
CONFIRM = 0.4
REGULARISATION_C = 16.0
SUBSTANCE_THRESHOLD = 0.5


@dataclass(frozen=True)
class Reading:
    value: str
    confidence: float


def load_answers(paths: Optional[Iterable[Path]] = None) -> Dict[str, List[Tuple[str, str]]]:
    """question -> [(text, value)] from every answer file."""
    found: Dict[str, List[Tuple[str, str]]] = {}
    for path in sorted(paths) if paths is not None else corpora.answer_files(DATA_DIR):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for item in data.get("answers") or []:
            question, value = str(item["question"]), str(item["value"]).strip().lower()
            found.setdefault(question, []).append((str(item["text"]), value))
    return found


class QuestionModel:
    """One question's classifier: the answer's value and the probability the model gives it."""

    def __init__(self, texts: List[str], labels: List[str], c: float = REGULARISATION_C) -> None:
        self.classifier = TextClassifier(c=c, seed=0).fit(texts, labels)

    def probabilities(self, text: str) -> Dict[str, float]:
        return self.classifier.as_dict(text)

    def read(self, text: str) -> Reading:
        value, confidence = self.classifier.best(text)
        # No word the answers were written with: not an answer to read, however the prior leans.
        return Reading(value, confidence if self.classifier.knows_a_word(text) else 0.0)


class SubstanceModel:
    """Which substances an answer names: one yes/no classifier per substance (street and brand names)."""

    def __init__(self, texts: List[str], values: List[str]) -> None:
        self.models: Dict[str, TextClassifier] = {}
        for name in SUBSTANCES:
            target = ["yes" if name in v.split(",") else "no" for v in values]
            if len(set(target)) == 2:
                self.models[name] = TextClassifier(c=8.0, seed=0).fit(texts, target)

    def read(self, text: str) -> Optional[Reading]:
        scores = {name: model.as_dict(text)["yes"] for name, model in self.models.items()}
        chosen = [name for name in SUBSTANCES if scores.get(name, 0.0) >= SUBSTANCE_THRESHOLD]
        if not chosen:
            return None
        return Reading(",".join(chosen), min(scores[n] for n in chosen))


class ScreeningReader:
    def __init__(self, answers: Dict[str, List[Tuple[str, str]]]) -> None:
        self.models: Dict[str, QuestionModel] = {}
        for question, allowed in VALUES.items():
            pairs = [(t, v) for t, v in answers.get(question, []) if v in allowed]
            if len({v for _, v in pairs}) >= 2:
                self.models[question] = QuestionModel([t for t, _ in pairs], [v for _, v in pairs])
        pairs = [(t, v) for t, v in answers.get("substances", []) if v != UNSURE]
        self.substances = SubstanceModel([t for t, _ in pairs], [v for _, v in pairs]) if pairs else None

    def read(self, question: str, text: str) -> Optional[Reading]:
        if question == "substances":
            return self.substances.read(text) if self.substances else None
        model = self.models.get(question)
        return model.read(text) if model else None


_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _trained() -> ScreeningReader:
    return ScreeningReader(load_answers())


def reader() -> ScreeningReader:
    """The reader trained on data/screening_answers/, built once per process."""
    with _lock:
        return _trained()


def warm_up() -> threading.Thread:
    """Trains the reader in the background as the action server starts, so that the first person to answer a
    screening question after a restart does not wait for it (reader() waits on the same lock if they come first)."""
    thread = threading.Thread(target=reader, name="screening-answer-models", daemon=True)
    thread.start()
    return thread
