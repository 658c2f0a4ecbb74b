"""Asking for a person outside staffed hours: when people are back, a callback button, the crisis numbers."""
import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff_action
from actions.handoff import ActionRequestHuman
from bot.storage.handoffs import open_handoffs
from tests.said import project_domain, rendered

# The button the answers outside staffed hours carry (domain.yml: utter_handoff_closed*).
CALLBACK_BUTTON = {"title": "Request a callback", "payload": "please call me back"}

EASTERN = ZoneInfo("America/New_York")  # clinic.yml: Mon-Fri 8-20, Sat 9-13, closed Sunday


def at(monkeypatch, *when):
    fixed = datetime(*when, tzinfo=EASTERN)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed.astimezone(tz) if tz else fixed

    monkeypatch.setattr(handoff_action, "datetime", Frozen)


def ask(make_tracker, slots=None):
    """The one message the person sees, rendered as the Rasa server renders the action's response."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("can i talk to a person", "human_handoff", slots=slots)
    asyncio.run(ActionRequestHuman().run(dispatcher, tracker, {}))
    (message,) = rendered(dispatcher.messages, tracker)
    return message


@pytest.mark.parametrize("when, back", [
    ((2026, 11, 24, 6, 30), "People are back today at 8 am"),         # Tuesday, before opening
    ((2026, 11, 24, 21, 0), "People are back tomorrow at 8 am"),      # Tuesday evening
    ((2026, 11, 27, 22, 0), "People are back tomorrow at 9 am"),      # Friday night: Saturday's hours
    ((2026, 11, 28, 14, 0), "People are back on Monday at 8 am"),     # Saturday afternoon, closed Sunday
])
def test_outside_staffed_hours_the_person_hears_when_people_are_back(monkeypatch, project_db, make_tracker,
                                                                     when, back):
    at(monkeypatch, *when)
    message = ask(make_tracker)
    assert back in message["text"]
    assert "911" in message["text"] and "988" in message["text"]
    assert message["buttons"] == [CALLBACK_BUTTON]
    (handoff,) = open_handoffs(project_db)
    assert (handoff.urgency, handoff.status) == ("routine", "waiting")


def test_the_callback_button_sends_words_the_nlu_knows_as_a_callback_request():
    import yaml

    from bot.core.settings import ROOT

    data = yaml.safe_load((ROOT / "data" / "screening.yml").read_text())
    examples = next(block["examples"] for block in data["nlu"] if block.get("intent") == "request_callback")
    responses = project_domain().responses
    for name in ("utter_handoff_closed", "utter_handoff_closed_no_hours", "utter_handoff_closed_urgent",
                 "utter_handoff_closed_urgent_no_hours"):
        # The Spanish variations give the clinic's number instead: the callback form asks its questions in English.
        english = [v for v in responses[name]
                   if not any(c.get("name") == "language" and c.get("value") == "es" for c in v.get("condition") or [])]
        assert english and all(variation["buttons"] == [CALLBACK_BUTTON] for variation in english), name
    assert f"- {CALLBACK_BUTTON['payload']}" in examples.splitlines()
    assert not CALLBACK_BUTTON["payload"].startswith("/")  # typed "/" messages are read as text anyway


def test_someone_at_risk_outside_staffed_hours_gets_the_crisis_numbers_first(monkeypatch, project_db, make_tracker):
    at(monkeypatch, 2026, 11, 29, 3, 0)  # Sunday night
    message = ask(make_tracker, slots={"risk_active": True, "risk_urgency": "imminent", "risk_category": "suicide"})
    assert message["text"].startswith("If you are in danger right now, call 911.")
    assert "988" in message["text"] and "People are back tomorrow at 8 am" in message["text"]
    assert message["buttons"] == [CALLBACK_BUTTON]
    (handoff,) = open_handoffs(project_db)
    assert (handoff.urgency, handoff.category) == ("imminent", "suicide")


def test_during_staffed_hours_a_person_is_asked_to_join(monkeypatch, project_db, make_tracker):
    at(monkeypatch, 2026, 11, 24, 10, 0)
    message = ask(make_tracker)
    assert "I've asked a person from our team to join" in message["text"] and not message.get("buttons")
