"""The names the processes read in each other's messages, in one place (issue 20).

The NLU (bot/server/nlu/) writes a risk verdict into the parse and the intent; the actions, the channel guard,
the console and the tools read it back. The Rasa server sends custom payloads that the widget, the SMS line and
the staff shell read; the console flags its own bot events and the SMS line and the widget read the flags. Each
of those strings was spelled out by hand in several files; they are defined here, and only here, in Python.
The same names appear where Python cannot import them: domain.yml (slots, entities, the crisis and screening
payloads) and web/widget.js (the payloads and the staff flags); tests/core/test_contract.py checks those.
DESIGN.md, "Contracts", fixes the escalation and screening payloads for the widget and the benchmarks.

Rasa-free and import-free: every process of the project can use it.
"""
from __future__ import annotations

from typing import Optional

# ---------------------------------------------------------------------------------------------- the parse
# The risk component's verdict in a message's parse data: {"is_risk", "category", "urgency", "subject", ...}.
RISK_KEY = "risk"
# The learned risk model's score in the parse, written by its component and read by the risk component.
RISK_MODEL_KEY = "risk_model"
# A risk verdict makes the intent risk_<category> (confidence 1.0); risk_check is the ask-directly tier.
RISK_INTENT_PREFIX = "risk_"
CHECK_INTENT = "risk_check"
# The entities the risk component sets, which fill the slots of the same names (domain.yml), and the slot the
# escalation sets while a risk is being followed up.
RISK_CATEGORY = "risk_category"
RISK_URGENCY = "risk_urgency"
RISK_SUBJECT = "risk_subject"
RISK_ACTIVE = "risk_active"
# The conversation's language, a slot the Spanish gate fills from an entity of the same name on every message
# that shows its language; "es" picks domain.yml's Spanish variations, anything else the English ones.
LANGUAGE = "language"
SPANISH = "es"
ENGLISH = "en"


def conversation_language(slot_value: object) -> str:
    """The language a conversation is answered in, from its `language` slot: "es" or "en" (also when unset)."""
    return SPANISH if slot_value == SPANISH else ENGLISH


def is_risk_intent(intent: Optional[str]) -> bool:
    """Whether an intent name is a risk verdict (risk_<category>, risk_check included)."""
    return bool(intent) and str(intent).startswith(RISK_INTENT_PREFIX)


def risk_category_of(intent: Optional[str]) -> Optional[str]:
    """The category a risk intent names ("risk_overdose" -> "overdose"), or None for any other intent."""
    return str(intent)[len(RISK_INTENT_PREFIX):] if is_risk_intent(intent) else None


# The crisis follow-up that asks "Are you safe right now?" after every escalation (actions/crisis_followup.py),
# and the slot its answer fills: the risk component reads the conversation with them (risk_component.py).
CRISIS_FOLLOWUP_FORM = "crisis_followup_form"
CRISIS_SAFETY_SLOT = "crisis_safety"


# -------------------------------------------------------------------------------- payloads the bot sends
# A bot message's custom JSON (Rasa's "custom"; the project's socket.io channel wraps it as {"custom": ...}).
CUSTOM = "custom"
# {"escalation": {"category": C, "urgency": U}} on every reply to a risk signal (utter_crisis, domain.yml).
ESCALATION = "escalation"
CATEGORY = "category"
URGENCY = "urgency"
# {"screening": {"outcome": O, "reasons": [...]}} on the turn that gives the screen's result.
SCREENING = "screening"
OUTCOME = "outcome"
REASONS = "reasons"

# ------------------------------------------------------------------------------------ metadata flags
# On the bot events the staff console posts through Rasa's HTTP API: a staff member's reply, and the
# console's own notices ("someone has joined"). The widget shows them as the team's, not the assistant's.
STAFF = "staff"
CONSOLE_NOTICE = "console_notice"
STAFF_FLAGS = (STAFF, CONSOLE_NOTICE)
# The SMS line sent nothing for this message: set by the SMS channel on a person's message that arrived while
# their number was opted out, and by the console on its notices to an opted-out number.
NOT_TEXTED = "sms_opted_out"
# On a staff reply sent by text: the id under which the SMS line records what became of it (message_deliveries).
DELIVERY = "delivery"
# On a person's message from the project's widget (and the staff shell's web preview): {"widget": "iop"}.
WIDGET_KEY = "widget"
WIDGET = "iop"
