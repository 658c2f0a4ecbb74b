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
    out = render(domain, "utter_crisis", {"language": "en", "risk_category": category, "risk_urgency": "imminent",
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
        # Per condition (the English variations, the Spanish ones): the SMS wording of a web text that points
        # to the button.
        for condition in {str(v.get("condition")) for v in variations}:
            same = [v for v in variations if str(v.get("condition")) == condition]
            if any("{reach_person}" in (v.get("text") or "") for v in same if not v.get("channel")):
                sms = [v["text"] for v in same if v.get("channel") == "twilio"] or \
                    [v["text"] for v in variations if v.get("channel") == "twilio" and not v.get("condition")]
                assert sms and all(("reply" in t.lower() or "responda" in t.lower()) and "'person'" in t
                                   and "{reach_person}" not in t for t in sms), (name, condition)


SPANISH = [{"type": "slot", "name": "language", "value": "es"}]
ASSESSMENT_ES = "Solo una evaluación con nuestro equipo clínico decide qué atención es adecuada"


def test_every_faq_answer_and_the_out_of_scope_answer_have_a_spanish_variation(domain):
    names = [n for n in domain.responses if n.startswith("utter_faq/")] + ["utter_fallback_out_of_scope",
                                                                           "utter_faq_answered_one"]
    for name in names:
        variations = domain.responses[name]
        spanish = [v for v in variations if v.get("condition") == SPANISH]
        channels = {v.get("channel") for v in variations}
        assert {v.get("channel") for v in spanish} == channels, name  # web and, where English has one, SMS
        english = [v for v in variations if v not in spanish]
        assert all(not v.get("condition") for v in english), name  # picked whenever the language is not es
        for channel in channels:  # the same "Only an assessment ..." sentence as the English answer
            said = [v["text"] for v in english if v.get("channel") == channel]
            if any("Only an assessment" in t for t in said):
                assert all(ASSESSMENT_ES in v["text"] for v in spanish if v.get("channel") == channel), name


def test_a_spanish_answer_is_rendered_with_the_profiles_spanish_values(domain, monkeypatch):
    from bot.core.profile import load_profile

    monkeypatch.setenv("CLINIC_PROFILE", str(ROOT / "clinic.yml"))
    spanish = load_profile(ROOT / "clinic.yml").spanish
    cost = render(domain, "utter_faq/cost", {"language": "es"})["text"]
    assert cost.startswith(spanish["cost_note"]) and ASSESSMENT_ES in cost and "escriba 'person'" in cost
    where = render(domain, "utter_faq/location", {"language": "es"}, "twilio")["text"]
    assert spanish["directions"] in where and "Responda 'person'" in where
    schedule = render(domain, "utter_faq/schedule", {"language": "es"})["text"]
    assert "lunes, miércoles y jueves" in schedule and "de lunes a viernes, de 8 a. m. a 6 p. m." in schedule
    # The same answer in English is unchanged.
    english = render(domain, "utter_faq/cost", {"language": "en"})["text"]
    assert english == render(domain, "utter_faq/cost")["text"]
    assert english.startswith("Your cost depends on your plan.") and "Only an assessment" in english


def test_spanish_sms_answers_stay_short(domain, profile_file):
    """Accents make a text UCS-2 (70 characters a segment, 67 when split): a Spanish answer fits in five segments,
    two texts once split (bot/sms/formatting.py), where an English one fits in two or three."""
    from bot.core.sms import formatting

    for name, variations in domain.responses.items():
        if any(v.get("channel") == "twilio" and v.get("condition") == SPANISH for v in variations):
            text = render(domain, name, {"language": "es"}, channel="twilio")["text"]
            assert formatting.segments(formatting.to_gsm_friendly(text)) <= 5, (name, len(text))
            assert len(formatting.split_sms(text)) <= 3, name


def test_spanish_answers_point_to_the_button_or_the_word_person(domain):
    from rasa.shared.core.events import UserUttered

    nlg = ProfileNaturalLanguageGenerator(domain=domain)
    tracker = DialogueStateTracker("t", [TextSlot("language", [])])
    tracker.slots["language"].value = "es"
    tracker.update(UserUttered("¿aceptan aetna?", metadata={"widget": "iop"}))
    said = asyncio.run(nlg.generate("utter_faq/insurance", tracker, "socketio"))["text"]
    assert "pulse el botón \u201cTalk to a person\u201d" in said and "Trabajamos con" in said


@pytest.mark.parametrize("language, channel, numbers", [
    ("en", "rest", ["911", "988", "1-800-799-7233"]),
    ("es", "rest", ["911", "988", "1-800-799-7233"]),
    ("es", "twilio", ["911", "988", "1-800-799-7233"]),
])
def test_a_danger_without_a_name_gets_every_number_and_the_payload(domain, language, channel, numbers):
    """"I don't feel safe" said nothing of what the danger is: 911 first, 988 and the domestic violence hotline."""
    out = render(domain, "utter_crisis", {"language": language, "risk_category": "abuse", "risk_urgency": "imminent",
                                          "risk_subject": "unclear"}, channel)
    assert out["custom"] == {"escalation": {"category": "abuse", "urgency": "imminent"}}
    positions = [out["text"].find(n) for n in numbers]
    assert -1 not in positions and positions == sorted(positions), out["text"]
    asked = render(domain, "utter_ask_crisis_safety", {"language": language, "crisis_last": "unnamed",
                                                       "risk_subject": "unclear"}, channel)["text"]
    assert ("what is happening" if language == "en" else "qué está pasando") in asked
