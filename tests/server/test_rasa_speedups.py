"""bot/server/rasa_seam.py, patches 1 and 2: the action-server answer check with a validator built once (same verdicts,
same message, less work) and the event class lookup remembered."""
import copy

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.server import rasa_seam

rasa_seam.install()  # as every Rasa process of the project does at start-up (bot/server/serve.py, bot/server/rasa_cli.py)

GOOD = {
    "events": [
        {"event": "slot", "name": "substances", "value": "opioids", "timestamp": None},
        {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
    ],
    "responses": [{"response": "utter_screening_result", "text": None}],
}
BAD = [
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"events": [], "responses": ["not an object"]},
]


@pytest.fixture
def action():
    return RemoteAction("validate_screening_form", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_the_seam_installs_it():
    assert RemoteAction._validate_action_result is rasa_seam.validate_action_result


def test_a_valid_answer_passes(action):
    assert action._validate_action_result(copy.deepcopy(GOOD)) is True


@pytest.mark.parametrize("answer", BAD)
def test_an_invalid_answer_fails_as_before(action, answer):
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(copy.deepcopy(answer))
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(theirs.value.path)


def test_the_schema_is_checked_once_not_per_answer(action, monkeypatch):
    action._validate_action_result(copy.deepcopy(GOOD))
    calls = []
    cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s: calls.append("check_schema")))
    for _ in range(3):
        assert action._validate_action_result(copy.deepcopy(GOOD)) is True
    assert calls == []


def test_event_classes_are_found_as_before():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    original = Event.resolve_by_type.__wrapped__
    for name in ("user", "action", "slot", "bot", "active_loop", "pause", "session_started"):
        assert Event.resolve_by_type(name) is original(name)
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("no_such_event", default=ActionExecuted) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_stored_events_come_back_the_same():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered, deserialise_events

    events = [UserUttered("hi", {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_greet"),
              BotUttered("hello"), SlotSet("substances", "alcohol")]
    assert deserialise_events([e.as_dict() for e in events]) == events
