"""`python -m bot.tools.risk_eval --model`: the trained model's own verdict, detector and classifier together.

Needs the trained model (models/CURRENT), so `make test` runs this after training.
"""
import pytest

from bot.tools.risk_eval import ModelDetector, current_model, evaluate


@pytest.fixture(scope="module")
def model_detector():
    return ModelDetector(current_model())


def test_a_crisis_message_is_a_risk_with_its_category(model_detector):
    verdict = model_detector.detect("i took a whole bottle of my xanax and i cant stay awake")
    assert verdict.is_risk and verdict.category == "overdose"


def test_a_program_question_is_not_a_risk(model_detector):
    verdict = model_detector.detect("do you have evening groups for people who work days")
    assert not verdict.is_risk and verdict.category is None


def test_evaluate_scores_the_model_like_the_detector(model_detector):
    corpus = {
        "risk": [{"text": "i want to end my life tonight", "category": "suicide"}],
        "non_risk": [{"text": "how much does the program cost", "kind": "faq"}],
    }
    report = evaluate(model_detector, corpus)
    assert report.recall == 1.0 and report.false_positive_rate == 0.0
    assert report.per_category["suicide"]["category_right"] == 1
