"""Very long messages: the model reads at most MAX_MESSAGE_CHARS, the risk detector reads all of it.

A message past the cap is cut before Rasa sees it (the tracker keeps the cut text). If the risk detector
finds a risk signal anywhere in the whole message, the sentence around it leads the cut text, so the
pipeline's own detector fires on it and the escalation rule runs as for any other message.
"""
from __future__ import annotations

import re
from typing import Optional

MAX_MESSAGE_CHARS = 2000
MAX_SCANNED_CHARS = 200_000  # what the detector still reads in a long message; REST refuses bigger bodies
_CHUNK, _OVERLAP = 1500, 300
_CUT_MARK = " […]"


def _chunks(text: str):
    step = _CHUNK - _OVERLAP
    for start in range(0, len(text), step):
        yield text[start:start + _CHUNK]
        if start + _CHUNK >= len(text):
            break


def _risk_snippet(text: str, detector) -> Optional[str]:
    for chunk in _chunks(text[:MAX_SCANNED_CHARS]):
        if not detector.detect(chunk).is_risk:
            continue
        # Narrow to the sentence that carries the signal, so it fits in front of the cut text.
        sentences = [s for s in re.split(r"(?<=[.!?\n])\s+", chunk) if s.strip()]
        for sentence in sentences:
            if detector.detect(sentence).is_risk:
                return sentence.strip()[:MAX_MESSAGE_CHARS // 2]
        return chunk[:MAX_MESSAGE_CHARS // 2]
    return None


def cap_message(text: str, detector=None) -> str:
    """The text Rasa gets: unchanged when short enough, else cut, with a risk sentence from anywhere first."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    if detector is None:
        from bot.core.risk.detector import default_detector

        detector = default_detector()
    head = text[:MAX_MESSAGE_CHARS - len(_CUT_MARK)]
    if detector.detect(head).is_risk:
        return head + _CUT_MARK
    snippet = _risk_snippet(text[len(head) - _OVERLAP:], detector)
    if snippet is None:
        return head + _CUT_MARK
    room = MAX_MESSAGE_CHARS - len(snippet) - 2 * len(_CUT_MARK) - 1
    return f"{snippet}{_CUT_MARK} {head[:max(room, 0)]}{_CUT_MARK}"
