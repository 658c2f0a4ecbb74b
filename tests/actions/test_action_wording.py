"""Every text the action server sends is a domain response: the actions name responses that exist, and pass
every {value} those responses use that the Rasa server does not fill in itself (the profile's values and
{reach_person}, bot/server/nlg.py). The Rasa server renders responses, so a missing response drops the message and
a missing value sends the braces: both are found here, in the code, for every call."""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from bot.core.screening.outcome import OUTCOMES
from bot.core.risk.detector import CATEGORIES
from bot.core.risk.safety_answer import NEEDS
from bot.core.settings import ROOT
from tests.said import project_domain

ACTION_FILES = sorted((ROOT / "actions").rglob("*.py"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Filled by the Rasa server from the risk detector's entities on every risk message, before any action runs
# (utter_crisis's payload, which the crisis follow-up sends again).
SLOTS_THE_SERVER_FILLS = {"risk_category", "risk_urgency", "risk_subject"}


def server_values() -> Set[str]:
    from bot.core.profile import current_profile

    return set(current_profile().as_slots()) | {"reach_person"} | SLOTS_THE_SERVER_FILLS


def placeholders(name: str) -> Set[str]:
    """Every {value} in any variation of a response: text, buttons, payload."""
    return set(PLACEHOLDER.findall(repr(project_domain().responses[name])))


def pattern(node: ast.AST) -> str | None:
    """A regular expression for the response names an expression can give: a literal, or an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w/]+"
                       for part in node.values)
    return None


def names_matching(regex: str) -> List[str]:
    return [name for name in project_domain().responses if re.fullmatch(regex, name)]


def utter_calls() -> Iterator[Tuple[Path, ast.Call]]:
    for path in ACTION_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "utter_message":
                yield path, node


def response_literals(path: Path) -> List[str]:
    """Patterns of every response name written in a module (literals and f-strings starting "utter_")."""
    found = []
    tree = ast.parse(path.read_text())
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.JoinedStr):
            regex = pattern(node)
            if regex and regex.startswith("utter_"):
                found.append(regex)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("utter_"):
            found.append(re.escape(node.value))
    return found


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_actions_send_no_literal_text():
    calls = list(utter_calls())
    assert len(calls) >= 20
    for path, call in calls:
        keywords = {k.arg for k in call.keywords}
        assert "text" not in keywords and not call.args, f"{where(path, call)}: literal text, not a domain response"
        assert "response" in keywords or keywords == {"json_message"}, where(path, call)


def test_every_response_an_action_names_exists():
    for path in ACTION_FILES:
        for regex in response_literals(path):
            assert names_matching(regex), f"{path.relative_to(ROOT)}: no response in domain.yml matches {regex}"
    # The names built from a key: every key has its response.
    responses = project_domain().responses
    for name in ([f"utter_crisis_also_{c}" for c in CATEGORIES] + [f"utter_crisis_need_{n}" for n in NEEDS]
                 + [f"utter_screening_result_{o}" for o in OUTCOMES]):
        assert name in responses, name


def call_patterns(node: ast.AST) -> List[str] | None:
    """The patterns of a call's `response=`: a literal, an f-string, or either side of `a if c else b`."""
    if isinstance(node, ast.IfExp):
        sides = [call_patterns(node.body), call_patterns(node.orelse)]
        return None if None in sides else [p for side in sides for p in side]
    regex = pattern(node)
    return [regex] if regex else None


def candidates(path: Path, call: ast.Call) -> List[str]:
    """The responses a call may send: its own literals, else any response named in the same module."""
    value = next(k.value for k in call.keywords if k.arg == "response")
    regexes = call_patterns(value) or response_literals(path)
    return sorted({name for r in regexes for name in names_matching(r)})


def test_every_value_a_response_uses_is_passed_or_filled_by_the_server():
    filled = server_values()
    checked: Dict[str, Set[str]] = {}
    for path, call in utter_calls():
        if not any(k.arg == "response" for k in call.keywords):
            continue
        passed = {k.arg for k in call.keywords} - {"response"}
        names = candidates(path, call)
        assert names, where(path, call)
        for name in names:
            missing = placeholders(name) - passed - filled
            assert not missing, f"{where(path, call)}: {name} uses {sorted(missing)}, not passed"
            checked.setdefault(name, set()).update(passed)
    # The values the actions pass are the ones their responses use (a misspelt keyword is caught here too).
    for name in ("utter_handoff_closed", "utter_handoff_closed_urgent", "utter_callback_saved",
                 "utter_faq_answered_one", *[f"utter_screening_result_{o}" for o in OUTCOMES]):
        assert placeholders(name) - filled <= checked[name], name


@pytest.mark.parametrize("name", ["utter_handoff_closed", "utter_screening_result_iop_may_fit"])
def test_a_value_not_passed_is_found(name):
    """The check above would catch a call that forgets a value (sanity of the test itself)."""
    assert placeholders(name) - server_values()


def test_every_faq_topic_has_a_name_to_say():
    """"Does that answer your question about {topic_name}?": a topic without a name was said with its key."""
    import yaml

    from bot.core.faq_topics import TOPIC_NAMES
    from bot.core.settings import ROOT

    topics = set()
    for path in (ROOT / "data").glob("faq*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if str(block.get("intent", "")).startswith("faq/"):
                topics.add(block["intent"].split("/", 1)[1])
    assert topics - {"out_of_scope"} <= set(TOPIC_NAMES), sorted(topics - set(TOPIC_NAMES))


def test_every_faq_topic_name_is_said_in_english_and_spanish():
    """A Spanish conversation hears "¿Respondí su pregunta sobre el costo?", never an English topic name."""
    from bot.core.faq_topics import TOPIC_NAMES, topic_name

    for topic, names in TOPIC_NAMES.items():
        assert names.get("en") and names.get("es"), topic
        assert topic_name(topic, "es") == names["es"] and topic_name(topic, "en") == names["en"]
    assert topic_name("no_such_topic", "es") == "no such topic"
