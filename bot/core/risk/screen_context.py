"""History the screen asks for is an answer, not a crisis, unless it is happening now.

The screen's questions ask about seizures and DTs when stopping, medical and mental-health problems, going
back to using, and the safety of home. "Had a seizure last month when I stopped the Xanax" answers the
withdrawal question (it decides detox-first); read as a message on its own it is a withdrawal emergency. So
while one of those questions is being asked, a risk reading of the category that question asks about is
set aside when the message places it in the past (or, for the withdrawal question, in what happens each time
someone stops), with no sign that it is happening now. Anything else escalates as everywhere: another
category, "right now", "tonight", "I'm shaking", or no time said at all. The one place that decides it.
"""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, Optional

SCREEN_FORM = "screening_form"
ANSWER_INTENT = "inform"  # the intent the screen's form reads as an answer (config.yml `answers_intent`)

# The categories each question asks about, and the timings that make an answer history. Suicide and self-harm
# are not listed: "hospital last year after an attempt" is set aside by the rules' own past reading, and the
# screen never relaxes more than that for them.
HISTORY_ASKED: Dict[str, Dict[str, FrozenSet[str]]] = {
    # A seizure is also read as a medical emergency: the withdrawal question asks about seizures by name.
    "screening_withdrawal": {"categories": frozenset({"withdrawal_danger", "medical_emergency"}),
                             "timings": frozenset({"history", "habitual"})},
    "screening_medical": {"categories": frozenset({"medical_emergency"}), "timings": frozenset({"history"})},
    "screening_relapse": {"categories": frozenset({"overdose"}), "timings": frozenset({"history"})},
    "screening_home": {"categories": frozenset({"abuse", "violence"}), "timings": frozenset({"history"})},
}


def requested_in(tracker: Any, form: str) -> Optional[str]:
    """The slot `form` is asking for, from the conversation as it was before the message; None when another form or
    none is active."""
    if tracker is None or getattr(tracker, "active_loop_name", None) != form:
        return None
    requested = tracker.get_slot("requested_slot")
    return str(requested) if requested else None


def question_asked(tracker: Any) -> Optional[str]:
    """The screen question the message answers."""
    return requested_in(tracker, SCREEN_FORM)


def is_asked_history(question: Optional[str], categories: Iterable[str], timing: Optional[str]) -> bool:
    """Whether a risk reading is the history `question` asks for: every category it names is one the question
    asks about, and the message tells it as history (see the module's docstring)."""
    asked = HISTORY_ASKED.get(question or "")
    named = {c for c in categories if c}
    return bool(asked and named and named <= asked["categories"] and timing in asked["timings"])
