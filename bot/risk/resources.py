"""Crisis wording used by the actions: fixed, reviewed text with every number written in full.

The main crisis reply for each category and for the writer or someone else is `utter_crisis` in
domain.yml, sent by the Rasa server itself. This module holds what action_escalate adds after it. The
numbers are the US resources listed in DOMAIN.md. The texts give resources and simple safety steps only: never a dose,
never advice to stop or take a substance, never an argument.
"""
from __future__ import annotations

from typing import Iterable, List

CALL_911 = "call 911"
LIFELINE = "call or text 988 (the Suicide & Crisis Lifeline), or chat at 988lifeline.org"
LIFELINE_SPANISH = "En español: llame o envíe un mensaje de texto al 988 y oprima 2, o envíe AYUDA al 988."
CRISIS_TEXT_LINE = "text HOME to 741741 (Crisis Text Line)"
POISON_HELP = "Poison Help: 1-800-222-1222"
DV_HOTLINE = "the National Domestic Violence Hotline: 1-800-799-7233, or text START to 88788"
SAMHSA = "SAMHSA's free National Helpline, day and night: 1-800-662-4357"
VETERANS = "Veterans: call 988 and press 1, or text 838255."

# One line for each further category that fired, so no needed number is left out.
_ALSO = {
    "suicide": f"If you are having thoughts of suicide, {LIFELINE}.",
    "self_harm": f"If you want to hurt yourself, {LIFELINE}.",
    "overdose": f"If anyone took too much of something, {CALL_911}. {POISON_HELP}.",
    "withdrawal_danger": (
        f"Stopping alcohol or sedatives suddenly can be dangerous: if there is a seizure or confusion, {CALL_911}."
    ),
    "medical_emergency": f"For any medical emergency, {CALL_911}.",
    "violence": f"If anyone is in danger of being hurt, {CALL_911}.",
    "abuse": f"For abuse or violence at home, {DV_HOTLINE}.",
}


def extra_lines(category: str, also: Iterable[str] = (), spanish: bool = False, veteran: bool = False) -> List[str]:
    """Lines added after the main crisis text (utter_crisis in domain.yml) for what else the message showed."""
    # The main text for these categories already says to call 911; do not repeat it.
    says_911 = {"overdose", "medical_emergency", "withdrawal_danger"}
    lines = [_ALSO[c] for c in also if c != category and c in _ALSO
             and not (category in says_911 and c in ("medical_emergency", "violence"))]
    if veteran and category in ("suicide", "self_harm"):
        lines.append(VETERANS)
    if spanish:
        lines.append(LIFELINE_SPANISH)
    return lines


HANDOFF_STAFFED = "I'm an automated assistant, not a counselor. I've asked a person from our team to join this conversation."
HANDOFF_UNSTAFFED = (
    "I'm an automated assistant, not a counselor. I've let our team know; they are in {staffed_hours}. "
    "The numbers above answer day and night."
)
HANDOFF_FAILED = "I'm an automated assistant, not a counselor. Please use the numbers above: they answer day and night."
