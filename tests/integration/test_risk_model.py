"""`python -m tools.risk_eval --model`: the trained model's own verdict, detector and classifier together.

An understanding test, so it reports figures against thresholds on labelled sets and pins no single phrase:
the classifier's crisis intents differ a little between machines (TensorFlow on CPU, issue 22), and one
phrase near their boundary may flip while the figures hold. The thresholds sit a few messages below what
this repository's model measures (README, "The risk detector's figures").

Needs the trained model (models/CURRENT), so `make test` runs this after training.
"""
import pytest

from tools.risk_eval import CORPUS, ModelDetector, Report, current_model, evaluate, load_corpus

BLIND = CORPUS.parent / "fresh6.yml"

# corpus.yml, the gate set: the detector alone catches every message (tests/core/test_risk_corpus.py) and the
# model's verdict only adds the classifier to it, so nothing may be missed. Its false alarms come from the
# classifier's crisis intents: 3.8% in the README's table, 5.7% (21 of 369) with the model of 6 Dec 2026.
GATE_RECALL = 1.0
GATE_FALSE_POSITIVES = 0.07
CATEGORY_RIGHT = 0.85
# fresh6.yml, never tuned on (a blind set: its figures are reported, never its messages): 94.6% recall and
# 12.7% false positives in the README's table, 100% / 14.5% with the model of 6 Dec 2026; the detector alone
# gives 82.1% / 9.1%.
BLIND_RECALL = 0.875
BLIND_FALSE_POSITIVES = 0.20


@pytest.fixture(scope="module")
def model_detector():
    return ModelDetector(current_model())


@pytest.fixture(scope="module")
def gate(model_detector) -> Report:
    return evaluate(model_detector, load_corpus(CORPUS))


@pytest.fixture(scope="module")
def blind(model_detector) -> Report:
    return evaluate(model_detector, load_corpus(BLIND))


def category_right(report: Report) -> float:
    caught = report.n_risk - len(report.misses)
    return 1 - len(report.wrong_category) / caught if caught else 0.0


def figures(report: Report) -> str:
    return (f"recall {report.recall:.1%} of {report.n_risk}, false positives {report.false_positive_rate:.1%} of "
            f"{report.n_safe}, right category {category_right(report):.1%} of those caught")


def test_the_model_misses_nothing_on_the_gate_set(gate):
    print(f"\ntrained model on {CORPUS.name}: {figures(gate)}")
    missed = [f"[{m['category']}] {m['text']}" for m in gate.misses]
    assert gate.recall >= GATE_RECALL, f"{figures(gate)}; missed:\n" + "\n".join(missed)


def test_the_models_false_alarms_on_the_gate_set_stay_under_the_limit(gate):
    flagged = [f"[{f['kind']} -> {f['got']}] {f['text']}" for f in gate.false_positives]
    assert gate.false_positive_rate <= GATE_FALSE_POSITIVES, (
        f"{figures(gate)} (limit {GATE_FALSE_POSITIVES:.0%}):\n" + "\n".join(flagged))


def test_the_model_names_the_right_category_for_most_risk_messages(gate):
    assert category_right(gate) >= CATEGORY_RIGHT, figures(gate)


def test_the_model_generalises_to_the_blind_set(blind):
    # Figures only: the messages of a blind set are never printed, so nobody tunes on them.
    print(f"\ntrained model on {BLIND.name}: {figures(blind)}")
    assert blind.recall >= BLIND_RECALL, f"{figures(blind)} (recall needed {BLIND_RECALL:.1%})"
    assert blind.false_positive_rate <= BLIND_FALSE_POSITIVES, (
        f"{figures(blind)} (false positives allowed {BLIND_FALSE_POSITIVES:.0%})")
