"""Fitting the bot's replies into text messages.

Buttons become a numbered list in the same message; payloads for the web widget are dropped (their text
is already in the reply); long replies are split at sentence boundaries into parts of at most two SMS
segments: 153 characters each in GSM-7, 67 in UCS-2, which one emoji or non-GSM letter switches to.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")  # each takes two characters' room
SEGMENTS_PER_PART = 2
_REPLACEMENTS = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                 "\u2026": "...", "\u00a0": " "}


def to_gsm_friendly(text: str) -> str:
    """Typographic quotes and dashes would switch a whole message to UCS-2: use plain ones."""
    for a, b in _REPLACEMENTS.items():
        text = text.replace(a, b)
    return text


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text)


def sms_length(text: str) -> int:
    return sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text) if is_gsm7(text) else len(text.encode("utf-16-le")) // 2


def part_limit(text: str) -> int:
    return (153 if is_gsm7(text) else 67) * SEGMENTS_PER_PART


def _sentences(text: str) -> List[str]:
    """Sentences, with a question's choices ("Reply 1 yes, 2 no ...", a numbered list) kept on the question:
    they must arrive in the same text, not as a short text of their own."""
    out: List[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if out and re.match(r"(Reply (1|with a number)\b|1\) )", sentence):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def split_sms(text: str) -> List[str]:
    """Parts of at most two segments each, cut between sentences where possible, then between words.

    Each part is encoded on its own: one accented letter (a Spanish line) makes only its own part UCS-2
    (67 characters a segment), so the English parts before it keep GSM-7's 153 and the crisis numbers
    stay in the first text.
    """
    text = to_gsm_friendly(" ".join((text or "").split()))
    if not text:
        return []
    if sms_length(text) <= part_limit(text):
        return [text]
    pieces: List[str] = []
    for sentence in _sentences(text):
        if sms_length(sentence) <= part_limit(sentence):
            pieces.append(sentence)
            continue
        words, current = sentence.split(" "), ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if sms_length(candidate) > part_limit(candidate) and current:
                pieces.append(current)
                candidate = word
            current = candidate
        if current:
            pieces.append(current)
    parts: List[str] = []
    for piece in pieces:
        joined = f"{parts[-1]} {piece}" if parts else ""
        if parts and sms_length(joined) <= part_limit(joined):
            parts[-1] = joined
        else:
            parts.append(piece)
    return parts


def segments(text: str) -> int:
    """How many SMS segments a text is billed and delivered as."""
    length, gsm = sms_length(text), is_gsm7(text)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if length <= single else -(-length // multi)


def numbered(buttons: Iterable[Dict[str, Any]]) -> str:
    return " ".join(f"{i}) {b.get('title', '')}" for i, b in enumerate(buttons, start=1))


def render(messages: Iterable[Dict[str, Any]], program_name: Optional[str] = None) -> str:
    """One text from the bot's messages for this turn."""
    lines = []
    for message in messages:
        text = (message.get("text") or "").strip()
        buttons = message.get("buttons") or []
        if buttons:
            text = f"{text} Reply with a number: {numbered(buttons)}".strip()
        if text:
            lines.append(text)
    joined = " ".join(lines)
    if program_name:  # texts can show on lock screens
        joined = re.sub(re.escape(program_name), "our program", joined, flags=re.IGNORECASE)
    return joined


def is_choice_number(text: str) -> bool:
    """A reply that is only a small number ("5", "0."), as people answer a numbered list."""
    return bool(re.fullmatch(r"\d{1,2}", (text or "").strip().rstrip(".)")))


def choose_again(buttons: List[Dict[str, Any]]) -> str:
    last = len(buttons)
    numbers = ", ".join(str(i) for i in range(1, last)) + f" or {last}" if last > 1 else "1"
    return f"Please reply {numbers}: {numbered(buttons)}. Or type your answer in words."


def resolve_choice(text: str, buttons: List[Dict[str, Any]]) -> Optional[str]:
    """The payload chosen by a reply of "1" or of the option's words, or None."""
    reply = (text or "").strip().lower().rstrip(".)")
    if reply.isdigit() and 1 <= int(reply) <= len(buttons):
        return buttons[int(reply) - 1].get("payload")
    for button in buttons:
        if reply and reply == str(button.get("title", "")).strip().lower():
            return button.get("payload")
    return None
