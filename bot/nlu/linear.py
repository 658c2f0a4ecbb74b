"""A linear text classifier: logistic regression over tf-idf word 1-2-grams and character n-grams (scikit-learn).

One model family for the bot's language understanding where data, not architecture, decides: the intent
classifier and the FAQ topic selector (bot/nlu/linear_components.py) and the screen's answer readers
(actions/screening/answer_model.py). It trains in seconds on two cores, is deterministic, and its
probabilities are what the thresholds are chosen on. Rasa-free, so the action server can use it too.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


class TextClassifier:
    def __init__(self, c: float = 8.0, char_ngrams: Tuple[int, int] = (2, 5), min_df: int = 1,
                 max_features: Optional[int] = None, seed: int = 7) -> None:
        self.c, self.seed = c, seed
        self.words = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w[\w']*\b")
        self.chars = TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=char_ngrams, min_df=min_df,
                                     sublinear_tf=True, max_features=max_features)
        self.classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifier":
        features = hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()
        self.classifier.fit(features, list(labels))
        return self

    @property
    def labels(self) -> List[str]:
        return [str(label) for label in self.classifier.classes_]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        features = hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()
        return self.classifier.predict_proba(features)

    def ranking(self, text: str, top: int = 10) -> List[Tuple[str, float]]:
        """The labels for `text`, most likely first, with their probabilities."""
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs)[:top]
        return [(self.labels[i], float(probs[i])) for i in order]

    def best(self, text: str) -> Tuple[str, float]:
        return self.ranking(text, top=1)[0]

    def as_dict(self, text: str) -> Dict[str, float]:
        return dict(zip(self.labels, (float(p) for p in self.probabilities([text])[0]), strict=True))
