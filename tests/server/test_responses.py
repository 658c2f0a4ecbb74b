"""Every response renders completely with the example profile and with a minimal one."""
import asyncio
import re

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.server.nlg import ProfileNaturalLanguageGenerator
from bot.core.settings import ROOT
from tools.script import ACTION_VALUES
from tests.core.test_profile import MINIMAL

CATEGORIES = ["suicide", "self_harm", "overdose", "withdrawal_danger", "medical_emergency", "violence", "abuse"]


@pytest.fixture(scope="module")
def domain() -> Domain:
    importer = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"),
                                                     [str(ROOT / "data")])
    return importer.get_domain()


@pytest.fixture(params=["example", "minimal"])
def profile_file(request, tmp_path, monkeypatch):
    path = ROOT / "clinic.yml"
    if request.param == "minimal":
        path = tmp_path / "minimal.yml"
        path.write_text(yaml.safe_dump(MINIMAL))
    monkeypatch.setenv("CLINIC_PROFILE", str(path))
    return path


# Variables the actions pass with `utter_message(response=..., NAME=value)`, as an action would
# (tests/actions/test_action_wording.py checks that each is passed).
ACTION_VARIABLES = {name: example for name, (_, example) in ACTION_VALUES.items()}


def render(domain, name, slots=None, channel="rest"):
    nlg = ProfileNaturalLanguageGenerator(domain=domain)
    tracker = DialogueStateTracker("t", [TextSlot(k, []) for k in (slots or {})])
    for k, v in (slots or {}).items():
        tracker.slots[k].value = v
    return asyncio.run(nlg.generate(name, tracker, channel, **ACTION_VARIABLES))


def test_every_response_renders_fully(domain, profile_file):
    assert len([r for r in domain.responses if r.startswith("utter_faq/")]) == 20
    for name, variations in domain.responses.items():
        for channel in {v.get("channel") or "rest" for v in variations}:
            out = render(domain, name, {"risk_category": "suicide", "risk_urgency": "urgent", "risk_subject": "self"},
                         channel)
            text = out.get("text") or ""
            assert text, name
            assert not re.search(r"\{\w+\}", text) and "None" not in text, (name, channel, text)


def test_sms_answers_fit_in_two_texts(domain, profile_file):
    for name, variations in domain.responses.items():
        if any(v.get("channel") == "twilio" for v in variations):
            text = render(domain, name, channel="twilio")["text"]
            assert len(text) <= 320, (name, len(text))


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("subject", ["self", "other"])
def test_crisis_reply_carries_the_payload_and_full_numbers(domain, category, subject):
    out = render(domain, "utter_crisis", {"risk_category": category, "risk_urgency": "imminent",
                                          "risk_subject": subject})
    assert out["custom"] == {"escalation": {"category": category, "urgency": "imminent"}}
    assert re.search(r"\b(911|988|1-800-\d{3}-\d{4})\b", out["text"]), out["text"]
    # A specific variation exists for each category and subject: the generic one is only a net.
    assert "Poison Help is 1-800-222-1222" not in out["text"]


def test_answers_point_to_the_widgets_button_only_in_the_widget(domain, profile_file):
    from rasa.shared.core.events import UserUttered

    nlg = ProfileNaturalLanguageGenerator(domain=domain)

    def said(metadata, channel):
        tracker = DialogueStateTracker("t", [])
        tracker.update(UserUttered("do you take aetna", metadata=metadata))
        return asyncio.run(nlg.generate("utter_faq/insurance", tracker, channel))["text"]

    assert "\u201cTalk to a person\u201d button" in said({"widget": "iop"}, "socketio")
    assert "type 'person'" in said({}, "socketio")  # another widget on socket.io (rasa-webchat) has no button
    assert "type 'person'" in said(None, "rest")
    assert "Reply 'person'" in said(None, "twilio")


def test_answers_that_point_to_a_button_on_the_web_have_an_sms_wording(domain):
    """{reach_person} is the widget's "Talk to a person" button on the web: by SMS the answer says "reply"."""
    for name, variations in domain.responses.items():
        if any("{reach_person}" in (v.get("text") or "") for v in variations if not v.get("channel")):
            # The Spanish variations give the clinic's phone instead ("I only understand English so far").
            sms = [v["text"] for v in variations if v.get("channel") == "twilio"
                   and {"name": "language", "type": "slot", "value": "es"} not in (v.get("condition") or [])]
            assert sms and all("reply" in t.lower() and "'person'" in t and "{reach_person}" not in t for t in sms), name
