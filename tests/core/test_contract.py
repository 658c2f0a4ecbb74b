"""The contract module's names are the ones used where Python cannot import them: domain.yml and the widget."""
import re
from pathlib import Path

import yaml

from bot.core import contract

ROOT = Path(__file__).resolve().parents[2]


def test_risk_intents():
    assert contract.is_risk_intent("risk_overdose") and contract.is_risk_intent(contract.CHECK_INTENT)
    assert not contract.is_risk_intent("faq/cost") and not contract.is_risk_intent(None)
    assert contract.risk_category_of("risk_withdrawal_danger") == "withdrawal_danger"
    assert contract.risk_category_of("greet") is None and contract.risk_category_of("") is None


def test_the_domain_uses_the_contracts_names():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name in (contract.RISK_CATEGORY, contract.RISK_URGENCY, contract.RISK_SUBJECT):
        assert name in domain["entities"] and name in domain["slots"]
    assert contract.RISK_ACTIVE in domain["slots"]
    crisis = domain["responses"]["utter_crisis"]
    assert crisis and all(set(v["custom"][contract.ESCALATION]) >= {contract.CATEGORY, contract.URGENCY} for v in crisis)
    risk_intents = [i for i in domain["intents"] if contract.is_risk_intent(i if isinstance(i, str) else next(iter(i)))]
    assert risk_intents, "domain.yml lists the risk intents"


def test_the_widget_reads_the_same_payloads_and_flags():
    widget = (ROOT / "web" / "widget.js").read_text()
    for name in (contract.CUSTOM, contract.ESCALATION, contract.CATEGORY, contract.URGENCY, contract.SCREENING,
                 contract.OUTCOME, *contract.STAFF_FLAGS):
        assert re.search(rf"\.{name}\b", widget), name
    assert re.search(rf'\b{contract.WIDGET_KEY}: "{contract.WIDGET}"', widget)
