"""tools/risk_cv.py: the folds and the verdict policy it simulates from each message's rules and model score."""
from pathlib import Path

from tools import risk_cv


def test_folds_hold_out_one_writer_or_groups_of_writers_in_turn():
    writers = [Path(f"writer_{c}.yml") for c in "abcdefg"]
    assert risk_cv.folds(writers, 0) == [[w] for w in writers]
    groups = risk_cv.folds(writers, 3)
    assert [[w.stem[-1] for w in g] for g in groups] == [["a", "d", "g"], ["b", "e"], ["c", "f"]]
    assert sorted(w for g in groups for w in g) == writers


def row(label, rules, score, **extra):
    return {"label": label, "rules": rules, "quiet": False, "score": score, "model_category": "overdose",
            "words": 20, "corroborate": False, "needs_corroboration": False, **extra}


def test_figures_set_aside_a_weak_rule_said_to_happen_now_only_under_the_now_threshold():
    settings = {"below": 0.1, "now_below": 0.01, "min_words": 12}
    weak_now = dict(needs_corroboration=True)
    rows = [row("none", "overdose", 0.005, **weak_now),  # near certain ordinary: set aside
            row("none", "overdose", 0.05, **weak_now),  # said to happen now, not near certain: an alarm
            row("none", "overdose", 0.05, corroborate=True, needs_corroboration=True),  # not now, under 0.1
            row("overdose", "overdose", 0.3, **weak_now)]
    result = risk_cv.figures(rows, 0.8, 0.6, "rules", settings)
    assert result["false_alarms"] == 1 / 3 and result["recall"] == 1.0


def test_figures_hear_a_sure_model_over_the_rules_set_aside():
    settings = {"below": 0.0, "now_below": 0.0, "min_words": 12, "overrule": 0.95}
    rows = [row("overdose", None, 0.99, quiet=True),  # all but certain: heard
            row("abuse", None, 0.99, quiet=True, words=10),  # short too ("dad said he'll kill me when i get home")
            row("none", None, 0.9, quiet=True)]  # under the bar: the set-aside stands
    result = risk_cv.figures(rows, 0.7, 0.45, "model", settings)
    assert result["recall"] == 1.0 and result["false_alarms"] == 0.0
    assert risk_cv.figures(rows, 0.7, 0.45, "model", {**settings, "overrule": 2.0})["recall"] == 0.0
