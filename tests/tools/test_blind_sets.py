"""Blind sets measure wording nobody here trained on: no near-duplicate of theirs is in the training data."""
from pathlib import Path

import pytest

from bot.core.settings import ROOT
from tools.faq_eval import UNSEEN_SETS
from tools.near_duplicates import near_duplicates, pairs, texts_of

NLU_TRAINING = sorted((ROOT / "data").glob("*.yml"))
RISK_TRAINING = sorted((ROOT / "data" / "risk").glob("*.yml"))
SCREEN_TRAINING = sorted((ROOT / "data" / "screening_answers").glob("*.yml"))
BLIND = {
    # The screen's answers train the intent classifier and the risk model too (config.yml `answers`).
    "risk": (sorted((ROOT / "tests" / "risk").glob("blind[0-9]*.yml")), NLU_TRAINING + RISK_TRAINING + SCREEN_TRAINING),
    # Only the unseen FAQ set (tools/faq_eval.py UNSEEN_SETS); the scored ones keep only exact copies out (below).
    "faq": ([ROOT / "tests" / "faq" / name for name in UNSEEN_SETS], NLU_TRAINING + RISK_TRAINING + SCREEN_TRAINING),
    "screening": (sorted((ROOT / "tests" / "screening").glob("blind*.yml")), SCREEN_TRAINING),
}


def test_near_duplicates_are_found_by_words_or_characters():
    train = ["do you take masshealth insurance", "what time is group", "i had a seizure in 2019 when i quit"]
    held = ["do u take masshealth insurance?", "i had a seizure in 2019 when i quit drinking"]
    assert near_duplicates(train, held) == {0, 2}
    assert pairs(train, held)[0][0] == train[0]


@pytest.mark.parametrize("kind", sorted(BLIND))
def test_blind_sets_have_no_near_duplicates_in_training_data(kind):
    blind_files, training_files = BLIND[kind]
    assert blind_files, f"no blind {kind} set"
    held = [t for path in blind_files for t in texts_of(path)]
    train = [t for path in training_files for t in texts_of(path)]
    # Answers of one or two words ("yes", "every day") are read exactly, not learned: they may coincide.
    close = [(a, b) for a, b in pairs(train, held) if len(b.split()) > 2]
    assert not close, close[:10]


def test_no_faq_set_is_copied_into_training_data():
    held = {t.strip().lower() for path in (ROOT / "tests" / "faq").glob("blind*.yml") for t in texts_of(path)}
    train = {t.strip().lower() for path in NLU_TRAINING for t in texts_of(path)}
    copied = {t for t in held & train if len(t.split()) > 2}
    assert not copied, sorted(copied)[:10]


def test_the_unseen_faq_set_exists():
    assert all((ROOT / "tests" / "faq" / name).exists() for name in UNSEEN_SETS)


def test_blind_sets_are_large_enough():
    import yaml

    for path in BLIND["risk"][0]:
        data = yaml.safe_load(Path(path).read_text())
        assert len(data["risk"]) >= 150 and sum(x["kind"] == "ordinary" for x in data["non_risk"]) >= 150
    assert sum(len(texts_of(p)) for p in BLIND["faq"][0]) >= 300
    assert all(len(yaml.safe_load(Path(p).read_text())["people"]) >= 40 for p in BLIND["screening"][0])
