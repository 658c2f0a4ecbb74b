"""The fast scoring path of the linear models (bot/core/nlp/linear.py) gives scikit-learn's own numbers."""
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack

from bot.core.nlp.linear import TextClassifier
from bot.core.risk.model import RiskModel, load_corpus

ROOT = Path(__file__).resolve().parents[2]
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


def test_an_iteration_cap_is_kept_quietly(corpus):
    # config.yml caps the intent classifier's lbfgs iterations for the training budget: a choice, not a warning
    # in every `rasa train`.
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    texts, labels = corpus
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = TextClassifier(c=4.0, max_iter=3).fit(texts, labels)
    assert model.classifier.n_iter_[0] == 3


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
        from bot.core.risk.model import sentences

        readings = sentences(text)
        features = hstack([model.words.transform(readings), model.chars.transform(readings)]).tocsr()
        risk = model.binary.predict_proba(features)[:, list(model.binary.classes_).index(True)]
        assert verdict.score == pytest.approx(float(risk.max()), abs=1e-9)
    model.save(tmp_path)
    assert RiskModel.load(tmp_path).score(PROBES[4]) == model.score(PROBES[4])


class _Ranked:
    """A stand-in model that reads every message as an FAQ question."""

    labels = ["faq", "inform", "greet"]

    def ranking(self, text, top=10, focus=None):
        return [("faq", 0.6), ("inform", 0.3), ("greet", 0.1)][:top]


def _screen_tracker(question):
    from rasa.shared.core.events import ActiveLoop, SlotSet
    from rasa.shared.core.slots import AnySlot
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("t", slots=[AnySlot("requested_slot", mappings=[])])
    if question:
        tracker.update(ActiveLoop("screening_form"))
        tracker.update(SlotSet("requested_slot", question))
    return tracker


@pytest.mark.parametrize("text, question, expected", [
    ("my wife doesnt drink and she has been very patient", "screening_home", "inform"),  # a statement: the answer
    ("does my wife have to come to groups?", "screening_home", "faq"),  # a question: the FAQ answer first
    ("how much does it cost", "screening_frequency", "faq"),
    ("my wife doesnt drink and she has been very patient", None, "faq"),  # no screen: as the model reads it
])
def test_mid_screen_a_statement_is_an_answer_not_an_faq(text, question, expected):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.nlu.linear_components import LinearIntentClassifier

    component = LinearIntentClassifier({}, None, None, model=_Ranked())
    message = Message(data={"text": text})
    component.process([message], tracker=_screen_tracker(question))
    assert message.get("intent")["name"] == expected
    assert [r["name"] for r in message.get("intent_ranking")][:2] == (
        ["inform", "faq"] if expected == "inform" else ["faq", "inform"])


def test_mid_screen_an_unsure_reading_of_a_statement_is_an_answer():
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.nlu.linear_components import UNSURE_INTENT, LinearIntentClassifier

    class Unsure(_Ranked):
        def ranking(self, text, top=10, focus=None):
            return [("greet", 0.15), ("affirm", 0.12), ("inform", 0.1)][:top]

    component = LinearIntentClassifier({}, None, None, model=Unsure())
    message = Message(data={"text": "retired, so my calendar is empty except for golf"})
    component.process([message], tracker=_screen_tracker("screening_commitment"))
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}
    assert all(r["confidence"] <= UNSURE_INTENT for r in message.get("intent_ranking")[1:])
    message = Message(data={"text": "retired, so my calendar is empty except for golf"})
    component.process([message], tracker=_screen_tracker(None))
    assert message.get("intent")["name"] == "greet"


def test_outside_the_screen_a_question_is_not_a_screen_answer():
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.nlu.linear_components import LinearIntentClassifier

    class AnswerFirst(_Ranked):
        def ranking(self, text, top=10, focus=None):
            return [("inform", 0.5), ("faq", 0.4), ("greet", 0.1)][:top]

    component = LinearIntentClassifier({}, None, None, model=AnswerFirst())
    question, statement = Message(data={"text": "what if i drink during the program?"}), Message(
        data={"text": "i drink every day"})
    component.process([question, statement], tracker=_screen_tracker(None))
    assert question.get("intent")["name"] == "faq"
    assert statement.get("intent")["name"] == "inform"


def test_a_long_story_s_question_decides_with_the_whole():
    """A message of many story words and one question: read whole and as its question, the readings averaged."""
    from bot.core.faq_topics import question_focus

    cost = ["how much does it cost", "what is the price per week", "how much do i pay", "what does a session cost",
            "is it expensive", "how much money is it"]
    family = ["my wife drinks every night", "my husband is using again and the kids see it",
              "my son lies about his drinking", "my daughter has been drinking since college",
              "can my family come to sessions", "my wife and kids are worried about me"]
    model = TextClassifier(c=8.0).fit(cost + family, ["cost"] * len(cost) + ["family"] * len(family))
    story = ("I have been going back and forth about this for months and last night at dinner I finally told my "
             "wife and kids that I am ready to get help. How much does it cost?")
    whole = dict(model.ranking(story))
    focused = dict(model.ranking(story, focus=question_focus(story)))
    assert whole["family"] > whole["cost"] and focused["cost"] > focused["family"]
    assert focused["cost"] == pytest.approx((whole["cost"] + dict(model.ranking("How much does it cost?"))["cost"]) / 2)


def test_with_topics_as_classes_faq_is_their_sum_and_out_of_scope_is_weighed():
    """"where r u located": one `faq` class for twenty topics read it as out of scope or fell back; as topics, their
    sum is `faq` (config.yml by_topic), weighed against out of scope (out_of_scope_weight)."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.nlu.linear_components import LinearIntentClassifier

    class Topics(_Ranked):
        labels = ["faq/location", "faq/cost", "out_of_scope", "greet"]

        def ranking(self, text, top=10, focus=None):
            return [("out_of_scope", 0.4), ("faq/location", 0.35), ("faq/cost", 0.15), ("greet", 0.1)][:top]

    def read(config):
        message = Message(data={"text": "where r u located"})
        LinearIntentClassifier(config, None, None, model=Topics()).process([message], tracker=_screen_tracker(None))
        return {r["name"]: round(r["confidence"], 3) for r in message.get("intent_ranking")}

    assert read({}) == {"faq": 0.5, "out_of_scope": 0.4, "greet": 0.1}
    weighed = read({"out_of_scope_weight": 2.0})  # 0.8 against 0.5, scaled to sum to one
    assert list(weighed) == ["out_of_scope", "faq", "greet"] and weighed["out_of_scope"] == round(0.8 / 1.4, 3)
