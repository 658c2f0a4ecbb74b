"""Opt-out, opt-in and help keywords (US carrier rules, DOMAIN.md), including natural-language opt-outs."""
from __future__ import annotations

import re
from typing import Optional

OPT_OUT_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "opt out"}
OPT_IN_WORDS = {"start", "yes", "unstop"}
HELP_WORDS = {"help", "info"}
# Reasonable natural-language opt-outs must be honored too (rules in effect since April 2025).
_NATURAL_OPT_OUT = re.compile(
    r"^(please |pls |plz )?(stop|quit|don'?t|do not|no more) (texting|text|messaging|message|contacting|contact"
    r"|sending)( me)?"
    r"|^(please )?(remove|take) me (off|from)"
    r"|^unsubscribe me|^leave me alone,? stop texting|^no m[aá]s( mensajes)?$|^basta$|^alto$"
    r"|^stop (all )?(texts|messages)|^opt me out",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    return re.sub(r"[^\w\s'áéíóúñ]", "", (text or "").strip().lower()).strip()


def keyword(text: str, opted_out: bool = False) -> Optional[str]:
    """'opt_out', 'opt_in', 'help' or None. YES only opts back in for a number that opted out."""
    word = normalise(text)
    if word in OPT_OUT_WORDS or _NATURAL_OPT_OUT.search(word):
        return "opt_out"
    if word in OPT_IN_WORDS and (word != "yes" or opted_out):
        return "opt_in"
    if word in HELP_WORDS:
        return "help"
    return None
