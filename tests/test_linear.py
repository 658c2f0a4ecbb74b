"""The fast scoring path of the linear models (bot/nlu/linear.py) gives scikit-learn's own numbers."""
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack

from bot.nlu.linear import TextClassifier
from bot.risk.model import RiskModel, load_corpus

ROOT = Path(__file__).resolve().parents[1]
PROBES = [
    "do you take medicaid", "", "🙂", "and", "I took all of my pills and I can't keep my eyes open",
    "What time is the evening group? Also, my brother says he won't be around much longer.",
    "¿Aceptan Medicaid?", "asdfgh qwerty", "x" * 5000, "the the the the",
]


def _sklearn(model: TextClassifier, texts):
    features = hstack([model.words.transform(texts), model.chars.transform(texts)]).tocsr()
    return model.classifier.predict_proba(features)


@pytest.fixture(scope="module")
def corpus():
    texts, labels = load_corpus(sorted((ROOT / "data" / "risk").glob("writer_[a-c].yml")))
    return texts, labels


@pytest.mark.parametrize("binary", [False, True])
def test_text_classifier_matches_scikit_learn(corpus, binary):
    texts, labels = corpus
    target = [label != "none" for label in labels] if binary else labels
    model = TextClassifier(c=4.0).fit(texts, [str(t) for t in target])
    probes = PROBES + texts[:200]
    fast = model.probabilities(probes)
    assert fast.shape == (len(probes), len(model.labels))
    np.testing.assert_allclose(fast, _sklearn(model, probes), rtol=0, atol=1e-9)
    assert model.ranking(PROBES[4])[0][0] == model.labels[int(np.argmax(_sklearn(model, [PROBES[4]])[0]))]


def test_saved_classifier_scores_the_same_after_loading(corpus, tmp_path):
    import joblib

    texts, labels = corpus
    model = TextClassifier().fit(texts, labels)
    before = model.probabilities(PROBES)
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert loaded._fast is None  # derived arrays are not saved
    np.testing.assert_array_equal(loaded.probabilities(PROBES), before)


def test_risk_model_matches_scikit_learn(corpus, tmp_path):
    texts, labels = corpus
    model = RiskModel.fit(texts, labels, c=4.0)
    for text in PROBES + texts[:100]:
        verdict = model.score(text)
        from bot.risk.model import sentences

        readings = sentences(text)
        features = hstack([model.words.transform(readings), model.chars.transform(readings)]).tocsr()
        risk = model.binary.predict_proba(features)[:, list(model.binary.classes_).index(True)]
        assert verdict.score == pytest.approx(float(risk.max()), abs=1e-9)
    model.save(tmp_path)
    assert RiskModel.load(tmp_path).score(PROBES[4]) == model.score(PROBES[4])
