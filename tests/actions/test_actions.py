"""Actions: escalation records an urgent handoff and never fails the person; handoff; fallback."""
import asyncio

import pytest
from rasa.core.utils import read_endpoint_config
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from actions.faq import ActionAnswerMore
from actions.fallback import ActionFallback
from actions.handoff import ActionRequestHuman
from bot.core.settings import ROOT
from bot.storage.handoffs import open_handoffs
from tests.said import rendered, texts

PROJECT_DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def sent_domain(action) -> dict:
    """What the Rasa server sends this action: endpoints.yml turns on Rasa's selective domain, so only the
    actions domain.yml marks (and the validate_* ones) get the domain; the rest get none."""
    assert read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint").kwargs["enable_selective_domain"]
    return PROJECT_DOMAIN.as_dict() if PROJECT_DOMAIN.does_custom_action_explicitly_need_domain(action.name()) else {}


def run(action, tracker, domain=None):
    """What the person sees (the action's responses rendered as the Rasa server renders them) and the events."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, sent_domain(action) if domain is None else domain))
    return rendered(dispatcher.messages, tracker), events


def test_escalation_records_an_urgent_handoff_and_starts_the_follow_up(project_db, make_tracker):
    risk = {"is_risk": True, "category": "overdose", "urgency": "imminent", "subject": "self", "also": ["suicide"]}
    messages, events = run(ActionEscalate(), make_tracker("i took all my pills", "risk_overdose", risk))
    (handoff,) = open_handoffs(project_db)
    assert (handoff.reason, handoff.category, handoff.urgency) == ("risk", "overdose", "imminent")
    assert handoff.conversation_id == "test-user" and handoff.channel == "rest"
    said = texts(messages)
    assert "988" in said  # the second category that fired adds its own number
    assert "automated assistant" in said
    # The crisis follow-up form asks about safety next, afresh (crisis_last "first" picks the question).
    assert {"event": "slot", "name": "crisis_last", "value": "first", "timestamp": None} in events
    assert {"event": "slot", "name": "crisis_safety", "value": None, "timestamp": None} in events
    assert {"event": "slot", "name": "risk_active", "value": True, "timestamp": None} in events
    assert any(e.get("event") == "active_loop" and e.get("name") is None for e in events)
    # The form it interrupted asks nothing more: its question is cleared too.
    assert {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None} in events


def test_escalation_still_helps_when_the_database_is_down(tmp_path, monkeypatch, make_tracker):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    risk = {"is_risk": True, "category": "suicide", "urgency": "urgent", "subject": "self"}
    messages, events = run(ActionEscalate(), make_tracker("kms", "risk_suicide", risk))
    assert "numbers above" in texts(messages)
    assert events[0]["name"] == "risk_active"


def test_escalation_adds_spanish_lifeline_for_spanish_messages(project_db, make_tracker):
    risk = {"is_risk": True, "category": "suicide", "urgency": "urgent", "subject": "self"}
    messages, _ = run(ActionEscalate(), make_tracker("me quiero morir, ya no puedo", "risk_suicide", risk))
    assert "AYUDA al 988" in texts(messages)


def test_escalation_from_the_classifier_alone_uses_the_intent(project_db, make_tracker):
    messages, _ = run(ActionEscalate(), make_tracker("something", "risk_abuse", {"is_risk": False}))
    (handoff,) = open_handoffs(project_db)
    assert (handoff.category, handoff.urgency) == ("abuse", "urgent")


def test_asking_for_a_person_queues_a_routine_handoff(project_db, make_tracker):
    messages, _ = run(ActionRequestHuman(), make_tracker("can i talk to a real person", "human_handoff"))
    (handoff,) = open_handoffs(project_db)
    assert (handoff.reason, handoff.urgency) == ("asked_for_person", "routine")
    assert "911" in texts(messages) and "988" in texts(messages)


def test_asking_for_a_person_after_a_risk_signal_stays_urgent(project_db, make_tracker):
    tracker = make_tracker("person", "human_handoff", slots={"risk_active": True, "risk_urgency": "imminent",
                                                              "risk_category": "suicide"})
    run(ActionRequestHuman(), tracker)
    (handoff,) = open_handoffs(project_db)
    assert (handoff.reason, handoff.urgency, handoff.category) == ("risk", "imminent", "suicide")


@pytest.mark.parametrize("previous, expect", [
    ([], "didn't understand"),
    (["nlu_fallback"], "talk with a person"),
    (["out_of_scope"], "talk with a person"),
    (["faq", "nlu_fallback"], "talk with a person"),
    (["nlu_fallback", "faq"], "didn't understand"),
])
def test_second_miss_in_a_row_offers_a_person(make_tracker, previous, expect):
    events = [{"event": "user", "parse_data": {"intent": {"name": i}}} for i in previous]
    messages, _ = run(ActionFallback(), make_tracker("blorp", "nlu_fallback", events=events))
    assert expect in texts(messages)
    if expect == "talk with a person":
        assert messages[0]["buttons"][0]["payload"] == "I want to talk to a person"


def test_out_of_scope_says_what_the_bot_can_do(make_tracker):
    messages, _ = run(ActionFallback(), make_tracker("what's the weather", "out_of_scope"))
    assert "outside what I can help with" in texts(messages) and "988" in texts(messages)


def faq_tracker(make_tracker, text, topic, segments=None):
    tracker = make_tracker(text, "faq")
    tracker.latest_message["response_selector"] = {
        "default": {"response": {"intent_response_key": f"faq/{topic}"}}}
    if segments is not None:
        tracker.latest_message["faq_segments"] = segments
    return tracker


def test_the_topic_model_names_a_second_question_the_keywords_miss(make_tracker):
    text = "do you take aetna? and when could i begin"  # "when could i begin": no keyword of any topic
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, text, "insurance"))
    assert [m["response"] for m in messages] == ["utter_faq_answered_one"]  # keywords alone: asked again
    sure = {"do you take aetna": ["insurance", 0.95], "when could i begin": ["start_date", 0.97]}
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, text, "insurance", sure))
    assert [m["response"] for m in messages] == ["utter_faq/start_date"]
    unsure = {**sure, "when could i begin": ["start_date", 0.4]}
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, text, "insurance", unsure))
    assert [m["response"] for m in messages] == ["utter_faq_answered_one"]  # below SEGMENT_CONFIDENCE: asked again


def test_a_second_question_in_the_same_message_is_answered(make_tracker):
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, "how much is it and do you take medicaid?", "cost"))
    assert [m["response"] for m in messages] == ["utter_faq/insurance"]


def test_an_unclear_second_question_is_asked_again(make_tracker):
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, "how much is it? what does it include?", "cost"))
    assert messages[0]["response"] == "utter_faq_answered_one" and messages[0]["topic_name"] == "cost"


def test_a_single_question_adds_nothing(make_tracker):
    messages, _ = run(ActionAnswerMore(), faq_tracker(make_tracker, "how much does it cost", "cost"))
    assert messages == []


def test_a_phone_number_is_the_answer_whatever_the_intent(make_tracker):
    from actions.callback import ValidateCallbackForm

    tracker = make_tracker("my number is 617 555 0199", "faq", slots={"requested_slot": "callback_phone"})
    events = asyncio.run(ValidateCallbackForm().extract_callback_phone(CollectingDispatcher(), tracker, {}))
    assert events == {"callback_phone": "+16175550199"}


@pytest.mark.parametrize("text", ["617-555-01", "123 456 7890", "call me maybe"])
def test_an_unusable_phone_number_is_not_stored(make_tracker, text):
    from actions.callback import ValidateCallbackForm

    tracker = make_tracker(text, "inform", slots={"requested_slot": "callback_phone"})
    assert asyncio.run(ValidateCallbackForm().extract_callback_phone(CollectingDispatcher(), tracker, {})) == {}


def test_a_question_beside_a_crisis_is_answered_after_the_crisis_reply(project_db, make_tracker):
    risk = {"is_risk": True, "category": "suicide", "urgency": "urgent", "subject": "self"}
    messages, _ = run(ActionEscalate(), make_tracker("do you take medicaid? i dont want to be alive anymore",
                                                     "risk_suicide", risk))
    assert messages[-1].get("response") == "utter_faq/insurance"
    assert "automated assistant" in texts(messages)


def test_a_possible_risk_starts_the_direct_question(project_db, make_tracker):
    risk = {"is_risk": True, "category": "suicide", "urgency": "check", "subject": "self"}
    _, events = run(ActionEscalate(), make_tracker("whats the point anymore", "risk_check", risk))
    assert {"event": "slot", "name": "crisis_last", "value": "check", "timestamp": None} in events


def test_after_a_danger_without_a_name_the_follow_up_asks_what_is_happening(project_db, make_tracker):
    risk = {"is_risk": True, "category": "abuse", "urgency": "imminent", "subject": "unclear"}
    _, events = run(ActionEscalate(), make_tracker("i dont feel safe", "risk_abuse", risk))
    assert {"event": "slot", "name": "crisis_last", "value": "unnamed", "timestamp": None} in events


def test_the_screening_result_says_the_headline_reasons_and_disclaimer(project_db, make_tracker):
    from actions.screening.result import ActionScreeningResult

    answers = {"screening_substances": "alcohol", "screening_frequency": "daily", "screening_withdrawal": "yes",
               "screening_medical": "no", "screening_mental_health": "unsure", "screening_commitment": "yes",
               "screening_relapse": "no", "screening_home": "safe"}
    messages, events = run(ActionScreeningResult(), make_tracker("no", "deny", slots=answers))
    result, payload, next_steps = messages
    assert result["response"] == "utter_screening_result_detox_first"
    assert result["text"].startswith("From your answers, a medical check for withdrawal may be the right first step")
    assert "You said you get withdrawal symptoms when you cut down or stop." in result["text"]
    assert "We can also talk about mental health." in result["text"]
    assert result["text"].endswith("Only an assessment with our clinical team decides what care fits you. "
                                   "Our admissions team can talk it through with you.")
    assert payload["custom"]["screening"]["outcome"] == "detox_first"  # contract 3
    assert "(617) 555-0142" in next_steps["text"]
    assert [b["title"] for b in next_steps["buttons"]] == ["Request a callback", "Talk to a person", "Ask a question"]
    assert {"event": "slot", "name": "screening_outcome", "value": "detox_first", "timestamp": None} in events


def test_the_screening_result_is_in_spanish_for_a_spanish_conversation(project_db, make_tracker):
    from actions.screening.result import ActionScreeningResult
    from bot.core.screening.outcome import REASONS, REASONS_ES

    answers = {"screening_substances": "alcohol", "screening_frequency": "daily", "screening_withdrawal": "yes",
               "screening_medical": "no", "screening_mental_health": "unsure", "screening_commitment": "yes",
               "screening_relapse": "no", "screening_home": "safe", "language": "es"}
    for channel in ("rest", "twilio"):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionScreeningResult().run(dispatcher, make_tracker("sí", "affirm", slots=answers), {}))
        result, payload, next_steps = rendered(dispatcher.messages, make_tracker("sí", "affirm", slots=answers),
                                               channel=channel)
        assert result["text"].startswith("Según sus respuestas, una revisión médica de la abstinencia")
        assert REASONS_ES["withdrawal"] in result["text"] and REASONS["withdrawal"] not in result["text"]
        assert "También podemos hablar de la salud mental." in result["text"]
        assert "Esto no es un diagnóstico." in result["text"]
        assert payload["custom"]["screening"] == {  # contract 3, unchanged
            "outcome": "detox_first", "reasons": ["withdrawal", "daily_sedative"]}
        assert next_steps["text"].startswith("¿Qué le gustaría hacer ahora?") and "(617) 555-0142" in next_steps["text"]
        assert [b["payload"] for b in next_steps["buttons"]] == [
            "please call me back", "I want to talk to a person", "I have a question"]


def test_a_saved_callback_says_when_and_gives_the_numbers(project_db, make_tracker):
    from actions.callback import ActionSaveCallback

    slots = {"callback_phone": "+16175550199", "callback_time": "weekday mornings {x} [y]", "callback_consent": "yes"}
    messages, _ = run(ActionSaveCallback(), make_tracker("yes", "affirm", slots=slots))
    assert "will call you (weekday mornings x y)" in texts(messages)
    assert "911" in texts(messages) and "988" in texts(messages)
    declined, _ = run(ActionSaveCallback(), make_tracker("no", "deny", slots={**slots, "callback_consent": "no"}))
    assert "we won't call" in texts(declined) and "(617) 555-0142" in texts(declined)


def test_the_sms_line_gets_the_same_escalation_lines(project_db, make_tracker):
    risk = {"is_risk": True, "category": "suicide", "urgency": "urgent", "subject": "self", "also": ["abuse"]}
    tracker = make_tracker("i'm a vet and i want to die, he hits me", "risk_suicide", risk)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionEscalate().run(dispatcher, tracker, {}))
    sms = texts(rendered(dispatcher.messages, tracker, channel="twilio"))
    assert "1-800-799-7233" in sms and "press 1, or text 838255" in sms and "automated assistant" in sms


def test_the_offer_of_a_person_says_reply_by_sms(make_tracker):
    events = [{"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    tracker = make_tracker("blorp", "nlu_fallback", events=events)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    (web,) = rendered(dispatcher.messages, tracker)
    (sms,) = rendered(dispatcher.messages, tracker, channel="twilio")
    assert "Type 'person'" in web["text"] and "Reply 'person'" in sms["text"] and "(617) 555-0142" in sms["text"]
    assert sms["buttons"] == web["buttons"] == [{"title": "Talk to a person", "payload": "I want to talk to a person"}]


def test_in_spanish_the_one_topic_follow_up_names_the_topic_in_spanish(make_tracker):
    tracker = faq_tracker(make_tracker, "how much is it? what does it include?", "cost")
    tracker.slots["language"] = "es"
    messages, _ = run(ActionAnswerMore(), tracker)
    assert messages[0]["response"] == "utter_faq_answered_one" and messages[0]["topic_name"] == "el costo"
    assert messages[0]["text"].startswith("Respondí su pregunta sobre el costo.")  # rendered as Rasa renders it
