"""Extra training texts kept outside Rasa's NLU files, read by the linear components at `rasa train`.

data/screening_answers/ holds answers to the screen's questions, written by independent writers for the
answer models (bot/core/screening/answer_model.py). They are ordinary messages too: the intent classifier
learns them as `inform` (an answer, not an FAQ question) and the risk model as `none` (history told for the
screen is not a crisis), all but those telling a problem present now (PRESENT_PROBLEM). Their content is part of
each component's fingerprint, so changing them retrains.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import yaml

from bot.core.settings import ROOT


def folder_of(config_value: Optional[str]) -> Optional[Path]:
    if not config_value:
        return None
    folder = Path(config_value)
    return folder if folder.is_absolute() else ROOT / folder


# Screen answers labelled on the console's review page (`make export-reviewed`), read with the folder's own.
REVIEWED = ROOT / "data" / "reviewed" / "screening_answers"


def answer_files(folder: Optional[Path]) -> List[Path]:
    return sorted(folder.glob("*.yml")) + sorted(REVIEWED.glob("*.yml")) if folder else []


def _answers(folder: Optional[Path]) -> Iterator[Dict[str, Any]]:
    for path in answer_files(folder):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        yield from (item for item in data.get("answers") or [] if item.get("text"))


def answer_texts(folder: Optional[Path]) -> List[str]:
    return [str(item["text"]) for item in _answers(folder)]


# Answers that tell a problem present now: "threw up blood a couple times this week" answers the medical question,
# and as a message of its own it is a medical emergency. The risk model must not learn them as ordinary; the screen
# reads them with the question (bot/core/risk/screen_context.py), and the intent classifier still learns them as
# answers (answer_texts).
PRESENT_PROBLEM = {"medical": "yes", "mental_health": "yes", "home": "unsafe"}


def ordinary_answer_texts(folder: Optional[Path]) -> List[str]:
    """The answers the risk model learns as ordinary: all but those telling a problem present now (PRESENT_PROBLEM)."""
    return [str(item["text"]) for item in _answers(folder)
            if PRESENT_PROBLEM.get(str(item.get("question"))) != str(item.get("value")).strip()]


def fingerprint(folder: Optional[Path]) -> str:
    digest = hashlib.sha256()
    for path in answer_files(folder):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
