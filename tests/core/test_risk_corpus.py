"""The detector against the held-out corpus (tests/risk/corpus.yml, never used for training)."""
import pytest

from tools.risk_eval import FALSE_POSITIVE_LIMIT, evaluate, load_corpus


@pytest.fixture(scope="module")
def report(detector):
    return evaluate(detector, load_corpus())


def test_corpus_is_large_enough():
    corpus = load_corpus()
    assert len(corpus["risk"]) >= 300 and len(corpus["non_risk"]) >= 300


def test_every_risk_message_is_caught(report):
    missed = [f"[{m['category']}] {m['text']}" for m in report.misses]
    assert not missed, f"{len(missed)} risk messages missed:\n" + "\n".join(missed)


def test_false_positive_rate_is_under_limit(report):
    flagged = [f"[{f['kind']} -> {f['got']}] {f['text']}" for f in report.false_positives]
    assert report.false_positive_rate < FALSE_POSITIVE_LIMIT, (
        f"{report.false_positive_rate:.1%} false positives:\n" + "\n".join(flagged))


def test_category_is_right_for_most_messages(report):
    caught = report.n_risk - len(report.misses)
    assert caught and 1 - len(report.wrong_category) / caught >= 0.85
