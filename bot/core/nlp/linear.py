"""A linear text classifier: logistic regression over tf-idf word 1-2-grams and character n-grams (scikit-learn).

One model family for the bot's language understanding where data, not architecture, decides: the intent
classifier and the FAQ topic selector (bot/server/nlu/linear_components.py), the risk model (bot/core/risk/model.py) and the
screen's answer readers (bot/core/screening/answer_model.py). It trains in seconds on two cores, is deterministic,
and its probabilities are what the thresholds are chosen on. Rasa-free, so the action server can use it too.

Scoring does not go through scikit-learn's `transform` and `predict_proba`: per call they re-check the fit, sum
the idf diagonal again and copy the transposed weight matrix (30 classes x 250,000 features), which was most of a
message's NLU time (`make eval` p95 31 ms on long messages). `Features` and `Weights` compute the same numbers
from arrays taken once; tests/core/test_linear.py holds them equal to scikit-learn's.
"""
from __future__ import annotations

import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.special import expit, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize


class Features:
    """The tf-idf features of fitted vectorizers, as scikit-learn's `transform` computes them: one block each."""

    def __init__(self, vectorizers: Sequence[TfidfVectorizer]) -> None:
        self.vectorizers = list(vectorizers)
        self.idf = [np.asarray(v.idf_, dtype=np.float64) for v in self.vectorizers]

    @staticmethod
    def _one(vectorizer: TfidfVectorizer, idf: np.ndarray, texts: Sequence[str]) -> csr_matrix:
        counts = CountVectorizer.transform(vectorizer, texts).astype(np.float64)
        if vectorizer.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1.0
        counts.data *= idf[counts.indices]
        return normalize(counts, norm=vectorizer.norm, copy=False)

    def __call__(self, texts: Sequence[str]) -> List[csr_matrix]:
        return [self._one(v, idf, texts) for v, idf in zip(self.vectorizers, self.idf, strict=True)]


class Weights:
    """A fitted logistic regression's probabilities from C-ordered copies of its weights, taken once, one slice per
    feature block (no stacking of the blocks per message)."""

    def __init__(self, classifier: LogisticRegression, features: Features) -> None:
        if classifier.coef_.shape[0] != 1 and getattr(classifier, "multi_class", "auto") == "ovr":
            raise ValueError("one-vs-rest probabilities are not supported: train with the multinomial loss")
        self.classes = [str(label) for label in classifier.classes_]
        sizes = [len(idf) for idf in features.idf]
        if sum(sizes) != classifier.coef_.shape[1]:
            raise ValueError("the classifier was not trained on these features")
        bounds = np.cumsum([0] + sizes)
        self.w = [np.ascontiguousarray(classifier.coef_[:, a:b].T, dtype=np.float64)
                  for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.b = np.asarray(classifier.intercept_, dtype=np.float64)

    def probabilities(self, blocks: Sequence[csr_matrix]) -> np.ndarray:
        scores = self.b + sum(np.asarray(block @ w) for block, w in zip(blocks, self.w, strict=True))
        if scores.shape[1] == 1:  # two classes: scikit-learn's expit of the one decision value
            positive = expit(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores, axis=1)


class TextClassifier:
    def __init__(self, c: float = 8.0, char_ngrams: Tuple[int, int] = (2, 5), min_df: int = 1,
                 max_features: Optional[int] = None, seed: int = 7, max_iter: int = 3000) -> None:
        self.c, self.seed = c, seed
        self.words = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w[\w']*\b")
        self.chars = TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=char_ngrams, min_df=min_df,
                                     sublinear_tf=True, max_features=max_features)
        self.classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=max_iter, random_state=seed)
        self._fast: Optional[Tuple[Features, Weights]] = None
        self._analyzer: Optional[Callable[[str], List[str]]] = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifier":
        features = hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()
        with warnings.catch_warnings():
            # A max_iter under what lbfgs would take is a choice (the intent classifier's, config.yml), not a fault.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.classifier.fit(features, list(labels))
        self._fast = None
        self._analyzer = None
        return self

    def __getstate__(self) -> Dict[str, object]:
        # The scoring arrays are derived: keep them out of the saved model (they would double its size).
        return {key: value for key, value in self.__dict__.items() if key not in ("_fast", "_analyzer")}

    def __setstate__(self, state: Dict[str, object]) -> None:
        self.__dict__.update(state)
        self._fast = None
        self._analyzer = None

    def knows_a_word(self, text: str) -> bool:
        """Whether any word of `text` was seen in training: on none ("banana") the character n-grams alone give
        the classes' prior back, which reads as a guess with some confidence."""
        if self._analyzer is None:
            self._analyzer = self.words.build_analyzer()
        vocabulary = self.words.vocabulary_
        return any(token in vocabulary for token in self._analyzer(text))

    @property
    def labels(self) -> List[str]:
        return [str(label) for label in self.classifier.classes_]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        if self._fast is None:
            features = Features([self.words, self.chars])
            self._fast = (features, Weights(self.classifier, features))
        features, weights = self._fast
        return weights.probabilities(features(texts))

    def ranking(self, text: str, top: int = 10, focus: Optional[str] = None) -> List[Tuple[str, float]]:
        """The labels for `text`, most likely first, with their probabilities; with `focus` (a part of the text that
        says what it is about), the mean of the two readings."""
        probs, labels = self.probabilities([text] if focus is None else [text, focus]).mean(axis=0), self.labels
        order = np.argsort(-probs, kind="stable")[:top]
        return [(labels[i], float(probs[i])) for i in order]

    def best(self, text: str) -> Tuple[str, float]:
        return self.ranking(text, top=1)[0]

    def as_dict(self, text: str) -> Dict[str, float]:
        return dict(zip(self.labels, (float(p) for p in self.probabilities([text])[0]), strict=True))
