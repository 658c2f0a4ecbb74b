"""Set-up pieces a newcomer relies on: Python discovery, the tracker store, held-out data kept apart."""
import os
import subprocess
import sys

import pytest
import yaml

from bot.core.settings import ROOT


def run_finder(**env):
    return subprocess.run(["bash", str(ROOT / "scripts" / "find-python.sh")], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)


def test_finder_returns_a_python_310():
    result = run_finder()
    assert result.returncode == 0, result.stderr
    version = subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10")


def test_finder_rejects_a_wrong_python_in_one_clear_line():
    result = run_finder(PYTHON="/bin/true")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "not a working Python 3.10" in result.stderr


def test_finder_says_what_to_install_when_nothing_is_found(tmp_path):
    # An empty PATH and HOME: no python3.10, no pyenv.
    result = subprocess.run(["/bin/bash", str(ROOT / "scripts" / "find-python.sh")], capture_output=True,
                            text=True, env={"PATH": str(tmp_path), "HOME": str(tmp_path)}, timeout=60)
    if result.returncode == 0:  # a system /usr/bin/python3.10 exists on this machine
        assert "3.10" in result.stdout or result.stdout.strip()
    else:
        assert "Python 3.10 not found" in result.stderr and "PYTHON=" in result.stderr


def test_tracker_store_follows_the_database_url(tmp_path, monkeypatch):
    from rasa.core.tracker_store import create_tracker_store
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    from bot.server.tracker_store import UrlSQLTrackerStore

    db = tmp_path / "tracker.db"
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("ACTION_PORT", "5055")
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(endpoint, Domain.empty())
    assert isinstance(store, UrlSQLTrackerStore)  # never Rasa's silent in-memory fallback
    tracker = DialogueStateTracker.from_events("someone", [UserUttered("hello")])
    import asyncio

    asyncio.run(store.save(tracker))
    again = asyncio.run(create_tracker_store(endpoint, Domain.empty()).retrieve("someone"))
    assert again.latest_message.text == "hello" and db.exists()


def training_texts():
    texts = set()
    for path in (ROOT / "data").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []) or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.add(line.strip()[2:].strip().lower())
    return texts


def test_held_out_sets_are_not_training_data():
    train = training_texts()
    held = set()
    for name in ("holdout.yml", "dev.yml"):  # the test set, and the set settings are chosen on
        nlu = yaml.safe_load((ROOT / "tests" / "nlu" / name).read_text())
        held |= {line.strip()[2:].strip().lower() for block in nlu["nlu"]
                 for line in block["examples"].splitlines() if line.strip().startswith("- ")}
    risk, never_trained = set(), set()
    for path in (ROOT / "tests" / "risk").glob("*.yml"):  # the corpus and the fresh generalisation sets
        corpus = yaml.safe_load(path.read_text())
        if "risk" not in corpus:
            continue  # the answers to "are you safe?" (tests/core/test_crisis_followup.py)
        texts = {item["text"].strip().lower() for part in ("risk", "non_risk") for item in corpus[part]}
        risk |= texts
        if path.name in ("corpus.yml", "fresh6.yml", "blind17.yml"):  # held out from the risk model too
            never_trained |= texts
    assert not held & train, sorted(held & train)
    # One- and two-word messages ("ok", "yes", "thx") are written alike by everyone: a risk set may share them.
    risk = {t for t in risk if len(t.split()) >= 3}
    assert not risk & train, sorted(risk & train)
    model_corpus = set()
    for path in (ROOT / "data" / "risk").glob("*.yml"):
        model_corpus |= {item["text"].strip().lower() for item in yaml.safe_load(path.read_text())["examples"]}
    assert not never_trained & model_corpus, sorted(never_trained & model_corpus)


def test_the_spacy_pipeline_path_in_config_is_the_one_built():
    from bot.core.nlp.spacy_pipeline import PIPELINE_DIR

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    spacy_nlp = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert (ROOT / spacy_nlp["model"]).resolve() == PIPELINE_DIR.resolve()


def test_risk_detector_runs_last_in_the_pipeline():
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    assert config["pipeline"][-1]["name"] == "bot.server.nlu.risk_component.RiskSignalDetector"


assert sys.version_info[:2] == (3, 10)


def test_logs_get_masked_numbers_and_addresses():
    from bot.core.privacy import mask

    assert mask("call +1 (617) 555-0142 or a.b@example.org") == "call [phone …42] or [email]"


def test_every_log_record_in_the_process_is_masked(caplog):
    import logging

    import bot  # noqa: F401 - importing the package installs the masking

    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("texting %s from %s at %s", "+1 617 555 0142", "a@b.org", "127.0.0.1")
    assert caplog.records[-1].getMessage() == "texting [phone …42] from [email] at 127.0.0.1"


@pytest.mark.parametrize("value, web", [("3f2a9c0e4b7d4e1f9a8b7c6d5e4f3a2b", True), ("Zk3_x-9QmT2vL8pR", True),
                                        ("+16175550142", False), ("6175550142617555", False), ("abc", False),
                                        ("a" * 65, False), ("../../etc/passwd", False), (None, False)])
def test_web_session_ids_must_look_random(value, web):
    from bot.core.ids import is_web_session_id

    assert is_web_session_id(value) is web


@pytest.mark.parametrize("value, phone", [("+16175550142", True), ("(617) 555-0142", True),
                                          ("whatsapp:+16175550142", True), ("it-greet", False), ("user 12", False)])
def test_phone_like_senders_are_recognised(value, phone):
    from bot.core.ids import looks_like_phone

    assert looks_like_phone(value) is phone


def test_lint_type_checks_the_rasa_free_core_with_a_pinned_mypy():
    import re

    makefile = (ROOT / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:"):].split("\n\n")[0]
    assert "-m mypy" in lint and "ruff check" in lint
    pinned = re.search(r"^mypy==(\S+)$", (ROOT / "requirements.in").read_text(), re.M)
    assert pinned, "mypy must be pinned in requirements.in"
    assert f"\nmypy=={pinned.group(1)}\n" in (ROOT / "requirements.lock").read_text()
    config = (ROOT / "pyproject.toml").read_text()
    for core in ("bot/core",):  # the whole core package, sub-packages included (README "Layout")
        assert f'"{core}"' in config
        source = "".join(p.read_text() for p in ([ROOT / core] if core.endswith(".py") else (ROOT / core).rglob("*.py")))
        assert not re.search(r"^\s*(from|import) (rasa|rasa_sdk|sanic|socketio)\b", source, re.M), core
