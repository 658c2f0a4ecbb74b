"""The crisis follow-up: answers to "Are you safe right now?" and what the bot says to each (issue 16).

The reader (bot/core/risk/safety_answer.py) is scored on two sets written by helpers who never saw the project:
a development set it was tuned on, and a blind set scored once. On both, no answer that is not an explicit
statement of safety may be read as safe: that is the bug that said "I'm glad you're safe" to "im not safe".
The form's validation (actions/crisis_followup.py) is run as the Rasa server runs it, with the domain.
"""
from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis_followup import ValidateCrisisFollowupForm
from bot.core.risk.safety_answer import NOT_SAFE, SAFE, UNCLEAR, read, read_direct
from bot.core.settings import ROOT
from bot.storage.handoffs import open_handoffs

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def answers(name):
    return yaml.safe_load((ROOT / "tests" / "risk" / name).read_text())["answers"]


def right(answer) -> bool:
    verdict, label = read(answer["text"]), answer["label"]
    if label == "safe":
        return verdict.kind == SAFE
    if label == "retract":
        return verdict.retract and verdict.kind != NOT_SAFE
    if label == "practical":
        return verdict.need == answer["need"] and verdict.kind != SAFE
    return verdict.kind in (NOT_SAFE, UNCLEAR) and not verdict.retract


@pytest.mark.parametrize("name, floor", [("safety_answers_dev.yml", 0.95), ("safety_answers_blind.yml", 0.95)])
def test_no_unsafe_or_unclear_answer_is_read_as_safe(name, floor):
    cases = answers(name)
    assert len(cases) >= 90
    taken_as_safe = [a["text"] for a in cases
                     if a["label"] in ("not_safe", "unclear", "practical") and read(a["text"]).kind == SAFE]
    assert taken_as_safe == []
    score = sum(right(a) for a in cases) / len(cases)
    print(f"{name}: {score:.1%} read as labelled")
    assert score >= floor


@pytest.mark.parametrize("text", ["im not safe", "no, I'm not safe", "no im not safe", "I don't feel safe",
                                  "not safe", "nope", "no"])
def test_the_negations_that_got_glad_youre_safe_are_not_safe(text):
    assert read(text).kind == NOT_SAFE


@pytest.mark.parametrize("text", ["ok", "idk", "kind of", "for now", "i'm safe for now", "yeah i guess",
                                  "safe enough", "👍", "", "wont need to worry about anything after tonight",
                                  "i'll be fine", "im fine but he might come back", "safe?"])
def test_hedges_and_ambiguity_are_unclear(text):
    assert read(text).kind == UNCLEAR


@pytest.mark.parametrize("text", ["yes I'm safe", "I'm ok now", "yes", "safe now", "we are both safe",
                                  "my son is safe, the ambulance came", "Yes. I'm alright now."])
def test_explicit_statements_of_safety_are_safe(text):
    assert read(text).kind == SAFE


@pytest.mark.parametrize("text, need", [("i dont have a car", "transport"), ("we have no narcan", "naloxone"),
                                        ("im alone", "alone"), ("i cant call, he would hear me", "cannot_call")])
def test_practical_obstacles_are_named(text, need):
    assert read(text).need == need and read(text).kind != SAFE


def follow_up(text, intent="affirm", slots=None, topic=None, sender="crisis-user"):
    """Runs validate_crisis_followup_form on `text`, as the form does while it asks about safety."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "risk": {"is_risk": False}}
    if topic:
        latest["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}
    values = {"risk_active": True, "risk_category": "suicide", "risk_subject": "self",
              "requested_slot": "crisis_safety", "crisis_last": "first", **(slots or {})}
    tracker = Tracker(sender_id=sender, slots=values, latest_message=latest,
                      events=[{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}],
                      paused=False, followup_action=None, active_loop={"name": "crisis_followup_form"},
                      latest_action_name="action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCrisisFollowupForm().run(dispatcher, tracker, DOMAIN.as_dict()))
    slots_set = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return [m.get("response") for m in dispatcher.messages], slots_set


def test_not_safe_gets_the_numbers_again_and_raises_the_handoff(project_db):
    said, slots = follow_up("im not safe", intent="feeling_safe")
    assert said == ["utter_crisis_followup_not_safe"]
    assert slots["crisis_safety"] is None and slots["crisis_last"] == "not_safe"  # asked again, gently
    (handoff,) = open_handoffs(project_db)
    assert (handoff.reason, handoff.urgency) == ("risk", "imminent")


def test_ok_after_an_abuse_escalation_is_unclear_and_keeps_a_person_coming(project_db):
    said, slots = follow_up("ok", slots={"risk_category": "abuse"})
    assert said == ["utter_crisis_followup_unclear"] and slots["crisis_last"] == "unclear"
    (handoff,) = open_handoffs(project_db)
    assert (handoff.category, handoff.urgency) == ("abuse", "urgent")


def test_safe_ends_the_follow_up(project_db):
    said, slots = follow_up("yes im safe now, my sister is here", intent="feeling_safe")
    assert said == ["utter_risk_safe"] and slots["crisis_safety"] == "safe"


def test_nvm_im_fine_with_a_question_is_acknowledged_and_the_question_answered(project_db):
    said, slots = follow_up("nvm im fine. what time is group tomorrow", intent="retract")
    assert said == ["utter_crisis_followup_retract", "utter_faq/schedule"]
    assert slots["crisis_safety"] == "retracted"


def test_a_question_is_answered_with_the_numbers_kept_in_view(project_db):
    said, slots = follow_up("do you take medicaid", intent="faq", topic="insurance")
    assert said == ["utter_faq/insurance", "utter_crisis_followup_unclear"]
    assert slots["crisis_safety"] is None and slots["crisis_last"] == "asked"


def test_no_car_gets_the_practical_answer_not_out_of_scope(project_db):
    said, slots = follow_up("i dont have a car", intent="out_of_scope", slots={"risk_category": "withdrawal_danger"})
    assert said == ["utter_crisis_need_transport"] and slots["crisis_last"] == "asked"


def test_a_new_risk_signal_is_not_an_answer(project_db):
    latest_risk = {"is_risk": True, "category": "overdose"}
    tracker = Tracker(sender_id="x", slots={"requested_slot": "crisis_safety"},
                      latest_message={"text": "i have the pills in my hand", "intent": {"name": "risk_overdose"},
                                      "risk": latest_risk},
                      events=[], paused=False, followup_action=None,
                      active_loop={"name": "crisis_followup_form"}, latest_action_name="action_listen")
    extracted = asyncio.run(ValidateCrisisFollowupForm().extract_crisis_safety(CollectingDispatcher(), tracker, {}))
    assert extracted == {}  # the form rejects; the escalation rule runs again


def test_the_database_down_still_gets_the_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    said, _ = follow_up("not really")
    assert said == ["utter_crisis_followup_not_safe"]


@pytest.mark.parametrize("name", ["utter_crisis_followup_not_safe", "utter_crisis_followup_unclear",
                                  "utter_crisis_need_transport", "utter_crisis_need_naloxone",
                                  "utter_crisis_need_alone", "utter_crisis_need_cannot_call"])
def test_every_follow_up_answer_gives_a_number(name):
    text = DOMAIN.responses[name][0]["text"]
    assert "911" in text or "988" in text
    assert "glad" not in text.lower()


@pytest.mark.parametrize("slots, question", [
    ({"crisis_last": "first", "risk_subject": "self"}, "Are you safe right now?"),
    ({"crisis_last": "first", "risk_subject": "other"}, "Are you and they safe right now?"),
    ({"crisis_last": "unclear", "risk_subject": "self"}, "Are you safe right now? A yes or no is enough."),
    ({"crisis_last": "not_safe", "risk_subject": "other"}, "are you somewhere safe now?"),
    ({"crisis_last": "asked", "risk_subject": "self"}, "And are you safe right now?"),
])
def test_the_question_fits_what_was_answered(slots, question):
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    # The conversation's language (the slot starts as "en"; the Spanish gate sets "es").
    spanish = {nlg.generate_from_slots("utter_ask_crisis_safety", {**slots, "language": "es"}, "rest")["text"]}
    for _ in range(5):  # one variation matches each state: never a random pick between two
        rendered = nlg.generate_from_slots("utter_ask_crisis_safety", {**slots, "language": "en"}, "rest")
        assert question in rendered["text"]
        spanish.add(nlg.generate_from_slots("utter_ask_crisis_safety", {**slots, "language": "es"}, "rest")["text"])
    (asked,) = spanish
    assert "¿" in asked and "safe" not in asked


def test_no_to_the_direct_question_clears_the_check(project_db):
    said, slots = follow_up("no, nothing like that", slots={"crisis_last": "check"})
    assert said == ["utter_crisis_check_cleared"] and slots["crisis_safety"] == "safe"


@pytest.mark.parametrize("text", ["yes", "kind of", "idk", "sometimes i think about it"])
def test_anything_but_no_to_the_direct_question_gets_the_full_crisis_reply(project_db, text):
    said, slots = follow_up(text, slots={"crisis_last": "check"})
    assert said[0] == "utter_crisis" and slots["crisis_last"] == "first"  # then "Are you safe right now?"
    (handoff,) = open_handoffs(project_db)
    assert handoff.urgency == "urgent"


def test_the_direct_question_names_the_risk():
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    slots = {"crisis_last": "check", "risk_category": "suicide", "risk_subject": "self", "language": "en"}
    asked = nlg.generate_from_slots("utter_ask_crisis_safety", slots, "rest")
    assert "are you thinking about ending your life" in asked["text"]
    asked = nlg.generate_from_slots("utter_ask_crisis_safety", {**slots, "language": "es"}, "rest")
    assert "¿Está pensando en quitarse la vida o en hacerse daño?" in asked["text"]
    first = nlg.generate_from_slots("utter_crisis_check", {"risk_category": "overdose"}, "rest")
    assert first["custom"] == {"escalation": {"category": "overdose", "urgency": "check"}}
    assert "911" in first["text"] and "988" in first["text"]


# Spanish answers. The blind set (tests/risk/safety_answers_es_blind.yml, written by a helper who never saw the
# reader) was scored once, 94/100 and 40/50 with no dangerous reading; its misses were then mended, so it is
# development data now. A fresh set is needed before the next change to the Spanish reading.
def test_no_spanish_answer_that_is_not_a_statement_of_safety_is_read_as_safe():
    cases = yaml.safe_load((ROOT / "tests" / "risk" / "safety_answers_es_blind.yml").read_text())
    assert [a["text"] for a in cases["answers"]
            if a["label"] in ("not_safe", "unclear", "practical") and read(a["text"]).kind == SAFE] == []
    assert sum(right(a) for a in cases["answers"]) / len(cases["answers"]) >= 0.95
    assert [a["text"] for a in cases["direct"] if a["label"] != "no" and read_direct(a["text"]).kind == SAFE] == []
    denials = [a for a in cases["direct"] if a["label"] == "no"]
    # A denial with a reason ("no, solo estoy estresado", "para nada, amo a mis hijos") gets the full crisis reply
    # on purpose: only a denial or "just asking" clears the check ("nah, just tired of everything" must not).
    assert sum(read_direct(a["text"]).kind == SAFE for a in denials) / len(denials) >= 0.85


@pytest.mark.parametrize("text, kind", [("sí", SAFE), ("sí, estoy bien", SAFE), ("ya estoy a salvo", SAFE),
                                        ("no", NOT_SAFE), ("no estoy bien", NOT_SAFE), ("creo que sí", UNCLEAR),
                                        ("sí pero no sé cuánto aguante", UNCLEAR), ("más o menos", UNCLEAR),
                                        # "bien" as "very": the opposite of safe
                                        ("estoy bien mal", UNCLEAR), ("estoy bien borracho", UNCLEAR),
                                        ("estoy bien, gracias", SAFE)])
def test_spanish_answers_about_safety(text, kind):
    assert read(text).kind == kind


@pytest.mark.parametrize("text, safe", [("no, para nada", True), ("no, solo preguntaba", True), ("sí", False),
                                        ("a veces", False), ("no sé", False), ("no, but sometimes", False),
                                        ("no, not yet", False), ("no, just asking for a friend", True),
                                        ("nel", True), ("negativo", True),
                                        # Only a denial or "just asking" clears it: these are not denials
                                        ("nah, just tired of everything and tired of living", False),
                                        ("nope, just done with all of it", False), ("no, just stressed", False)])
def test_a_denial_of_the_direct_question_with_an_explanation_clears_it_and_a_hedge_does_not(text, safe):
    assert (read_direct(text).kind == SAFE) is safe


def test_a_spanish_yes_ends_the_follow_up_in_spanish(project_db):
    """"sí" used to read as unclear, so a Spanish speaker got the numbers and the question again and again."""
    said, slots = follow_up("sí", intent="speak_spanish", slots={"language": "es"})
    assert said == ["utter_risk_safe"] and slots["crisis_safety"] == "safe"
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    glad = nlg.generate_from_slots("utter_risk_safe", {"language": "es", "program_phone": "555"}, "rest")["text"]
    assert glad.startswith("Me alegra que esté a salvo") and "988" in glad
    said, slots = follow_up("no estoy bien", intent="speak_spanish", slots={"language": "es"})
    assert said == ["utter_crisis_followup_not_safe"] and slots["crisis_last"] == "not_safe"
    rendered = nlg.generate_from_slots("utter_crisis_followup_not_safe", {"language": "es", "risk_subject": "self"},
                                       "rest")["text"]
    assert "911" in rendered and "988" in rendered and rendered.startswith("Gracias por decírmelo")


@pytest.mark.parametrize("text, intent, last, said", [
    ("yes im safe now, my sister is here", "feeling_safe", "first", ["utter_risk_safe"]),
    ("nvm im fine", "retract", "first", ["utter_crisis_followup_retract"]),
    ("no, nothing like that", "deny", "check", ["utter_crisis_check_cleared"]),
])
def test_a_screen_the_crisis_interrupted_goes_on_once_they_are_safe(project_db, text, intent, last, said):
    replies, slots = follow_up(text, intent=intent, slots={"crisis_last": last,
                                                           "screening_paused": "screening_medical"})
    assert replies == said + ["utter_screening_resume"] and slots["screening_resume"] is True


@pytest.mark.parametrize("text", ["im not safe", "ok", "idk"])
def test_the_screen_waits_while_safety_is_not_said(project_db, text):
    replies, slots = follow_up(text, slots={"screening_paused": "screening_medical"})
    assert "utter_screening_resume" not in replies and "screening_resume" not in slots


def test_without_a_screen_waiting_nothing_is_offered(project_db):
    replies, slots = follow_up("yes im safe now", intent="feeling_safe")
    assert "utter_screening_resume" not in replies and "screening_resume" not in slots
