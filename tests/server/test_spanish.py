"""Spanish: the crisis replies, the crisis follow-up, the handoff and the fallbacks in Spanish for a conversation
whose messages read as Spanish (issue 20).

The Spanish gate (bot/server/nlu/language_component.py) gives each message that shows its language the entity
`language`, which fills the slot of that name; domain.yml's Spanish variations carry the condition
language = es, and the Rasa server picks them in its own rendering (tests/said.py runs that code). Texts sent
outside a turn pick them through bot/core/wording.py.
"""
import asyncio
import re

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from bot.core import wording
from bot.core.language import language_of
from bot.server.nlu.language_component import SpanishGate
from bot.core.risk.detector import CATEGORIES
from bot.core.sms import formatting
from tests.said import rendered, texts

# Every crisis number the replies give (988lifeline.org is an address, not a number).
NUMBER = re.compile(r"\b(911|988|1-800-\d{3}-\d{4}|741741|88788|838255)\b")
# The responses a Spanish speaker in danger gets: each English variation has a Spanish one.
SPANISH = (
    ["utter_crisis", "utter_crisis_check", "utter_ask_crisis_safety", "utter_crisis_check_cleared",
     "utter_crisis_followup_not_safe", "utter_crisis_followup_unclear", "utter_crisis_followup_retract",
     "utter_crisis_need_transport", "utter_crisis_need_naloxone", "utter_crisis_need_alone",
     "utter_crisis_need_cannot_call", "utter_risk_safe", "utter_risk_still_here", "utter_risk_reminder",
     "utter_crisis_veterans", "utter_escalation_person_coming", "utter_escalation_person_later",
     "utter_escalation_person_failed", "utter_handoff_not_recorded", "utter_handoff_staffed",
     "utter_handoff_closed_urgent", "utter_handoff_closed_urgent_no_hours", "utter_handoff_closed",
     "utter_handoff_closed_no_hours", "utter_fallback_not_understood", "utter_fallback_out_of_scope",
     "utter_fallback_offer_person", "utter_cannot_understand", "utter_sms_opt_out"]
    + [f"utter_crisis_also_{c}" for c in CATEGORIES])
# The English catch-alls that Spanish covers case by case (a Spanish catch-all would be pooled at random with the
# Spanish variations that match: Rasa picks among all matching conditional variations): utter_crisis's for a
# category it does not know, the question's for a follow-up without a "crisis_last".
NO_SPANISH_CATCH_ALL = {"utter_crisis", "utter_ask_crisis_safety"}


def conditions(variation, drop=("language",)):
    return {(c["name"], str(c["value"])) for c in variation.get("condition") or [] if c["name"] not in drop}


def language(variation):
    return next((c["value"] for c in variation.get("condition") or [] if c["name"] == "language"), None)


def numbers(text):
    return set(NUMBER.findall(text))


def tracker_for(make_tracker, text, category="suicide", subject="self", lang=None):
    """The conversation after `text`: the risk verdict's slots, and the language the Spanish gate reads."""
    message = Message(data={TEXT: text, INTENT: {INTENT_NAME_KEY: f"risk_{category}", "confidence": 1.0}})
    SpanishGate().process([message])
    found = [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "language"]
    assert found == [lang or "es"] if lang != "unset" else not found
    risk = {"is_risk": True, "category": category, "urgency": "urgent", "subject": subject}
    slots = {"risk_category": category, "risk_urgency": "urgent", "risk_subject": subject, "crisis_last": "first",
             **({"language": found[0]} if found else {})}
    return make_tracker(text, f"risk_{category}", risk, slots=slots)


def escalation_turn(tracker, channel="rest"):
    """What the person reads after a crisis message: utter_crisis (sent by the Rasa server), action_escalate's
    messages, then the follow-up's question."""
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionEscalate().run(dispatcher, tracker, {}))
    messages = [{"response": "utter_crisis"}, *dispatcher.messages, {"response": "utter_ask_crisis_safety"}]
    return rendered(messages, tracker, channel=channel)


@pytest.mark.parametrize("name", SPANISH)
def test_each_english_variation_has_a_spanish_one_with_the_same_numbers(name):
    variations = wording.responses()[name]
    spanish = [v for v in variations if language(v) == "es"]
    for english in (v for v in variations if language(v) != "es"):
        if name in NO_SPANISH_CATCH_ALL and not english.get("condition"):
            continue
        same = [v for v in spanish if conditions(v) == conditions(english)
                and v.get("channel") in (english.get("channel"), None)]
        assert same, f"{name}: no Spanish variation for {english}"
        for variation in same:
            # The SMS wording may be shorter, but it keeps every number.
            assert numbers(english["text"]) <= numbers(variation["text"]), (name, variation["text"])
            assert variation.get("custom") == english.get("custom"), name
        if english.get("condition"):
            # A conditional English variation says language = en, or Rasa would pick it at random for Spanish.
            assert language(english) == "en", english


def test_every_category_and_subject_has_a_spanish_crisis_reply_on_the_web_and_by_sms():
    variations = wording.responses()["utter_crisis"]
    for category in CATEGORIES:
        for subject in ("self", "other"):
            wanted = {("risk_category", category), ("risk_subject", subject)}
            channels = sorted(str(v.get("channel")) for v in variations
                              if language(v) == "es" and conditions(v) == wanted)
            assert channels == ["None", "twilio"], (category, subject)


def test_the_spanish_sms_crisis_replies_fit_two_segments_with_911_in_the_first():
    for name in ("utter_crisis", "utter_crisis_check"):
        for variation in wording.responses()[name]:
            if language(variation) != "es" or variation.get("channel") != "twilio":
                continue
            text = formatting.to_gsm_friendly(variation["text"])
            # Most have a letter outside GSM-7 (á, í, ó, ú): UCS-2, 67 characters a segment.
            first = text[:153 if formatting.is_gsm7(text) else 67]
            assert formatting.segments(text) <= 2, text
            assert "911" in first, text
            if ("risk_category", "suicide") in conditions(variation):
                assert "988" in first, text


@pytest.mark.parametrize("text, expected", [
    ("me quiero morir, ya no puedo más", "es"), ("¿aceptan seguro médico?", "es"), ("i want to die", "en"),
    ("do you take my insurance", "en"), ("sí", None), ("ok", None), ("911", None), ("kms", None), ("no", None),
])
def test_the_language_of_a_message(text, expected):
    assert language_of(text) == expected


def test_a_spanish_crisis_message_gets_the_spanish_reply_with_the_numbers(project_db, make_tracker):
    tracker = tracker_for(make_tracker, "me quiero morir, tengo las pastillas aquí")
    said = escalation_turn(tracker)
    assert said[0]["response"] == "utter_crisis"
    assert said[0]["text"].startswith("Me alegra mucho que me lo haya dicho.")
    assert said[0]["custom"] == {"escalation": {"category": "suicide", "urgency": "urgent"}}
    everything = texts(said)
    for words in ("llame al 988 y oprima 2", "AYUDA", "llame al 911", "asistente automático, no un consejero",
                  "¿Está a salvo ahora mismo?"):
        assert words in everything, words
    # The Spanish reply gives 988's Spanish option itself: the separate Spanish line is not added again.
    assert "utter_crisis_spanish" not in [m["response"] for m in said]
    assert not re.search(r"\b(call|the|you)\b", everything, re.I), everything


@pytest.mark.parametrize("category, subject", [("overdose", "other"), ("abuse", "self"), ("withdrawal_danger", "self")])
def test_each_category_s_spanish_reply_has_its_numbers(project_db, make_tracker, category, subject):
    tracker = tracker_for(make_tracker, "por favor ayuda, mi hermano no despierta", category, subject)
    english = tracker_for(make_tracker, "please help, my brother took something and he is not waking up", category,
                          subject, lang="en")
    said, said_in_english = escalation_turn(tracker)[0], escalation_turn(english)[0]
    assert said["text"] != said_in_english["text"] and said["custom"] == said_in_english["custom"]
    assert numbers(said_in_english["text"]) <= numbers(said["text"])


def test_an_english_crisis_message_is_unchanged(project_db, make_tracker):
    tracker = tracker_for(make_tracker, "i want to die tonight", lang="en")
    said = escalation_turn(tracker)
    english = {v["text"] for v in wording.responses()["utter_crisis"] if language(v) == "en"}
    assert said[0]["text"] in english and said[0]["text"].startswith("I'm really glad you told me.")
    assert said[-1]["text"] == "Are you safe right now?"
    assert "oprima" not in texts(said) and "Soy" not in texts(said)


def test_a_message_too_short_to_tell_keeps_the_conversation_s_language(project_db, make_tracker):
    tracker = tracker_for(make_tracker, "911", lang="unset")
    tracker.slots["language"] = "es"  # set by the conversation's earlier Spanish messages
    assert escalation_turn(tracker)[0]["text"].startswith("Me alegra mucho")


def test_the_spanish_sms_crisis_reply_keeps_the_numbers_in_the_first_text(project_db, make_tracker):
    tracker = tracker_for(make_tracker, "me quiero morir, tengo las pastillas aquí")
    reply = formatting.render(escalation_turn(tracker, channel="twilio"))
    parts = formatting.split_sms(reply)
    assert len(parts) <= 3 and all(formatting.segments(p) <= 2 for p in parts), parts
    first = parts[0]
    assert not formatting.is_gsm7(first) and "911" in first[:67] and "988" in first[:67], first
    assert "oprima 2" in first


@pytest.mark.parametrize("name", ["utter_handoff_closed", "utter_fallback_not_understood", "utter_cannot_understand"])
def test_the_handoff_and_the_fallbacks_say_how_to_reach_a_person_in_spanish(make_tracker, name):
    tracker = make_tracker("ayuda por favor", "speak_spanish", slots={"language": "es"})
    for channel in ("rest", "twilio"):
        (said,) = rendered([{"response": name, "back_at": "tomorrow at 8 am"}], tracker, channel=channel)
        assert "(617) 555-0142" in said["text"] and "911" in said["text"], said
        assert "llame" in said["text"] and "tomorrow" not in said["text"], said


def test_texts_outside_a_turn_pick_the_spanish_variation():
    spanish = wording.text("utter_sms_opt_out", language="es")
    assert spanish.startswith("Ya no recibirá mensajes") and "988" in spanish and "911" in spanish
    assert formatting.segments(spanish) <= 2 and len(formatting.split_sms(spanish)) == 1  # one confirmation
    assert wording.text("utter_sms_opt_out") == wording.responses()["utter_sms_opt_out"][0]["text"]
    # A response without a Spanish variation stays English.
    assert wording.text("utter_sms_help", language="es") == wording.text("utter_sms_help")


def test_the_core_reads_the_faq_topic_under_rasa_s_own_parse_keys():
    """The actions, the Spanish gate and faq_eval read the chosen topic through one function of the Rasa-free core,
    which spells Rasa's parse keys itself: they must stay Rasa's."""
    from rasa.nlu.constants import (RESPONSE_SELECTOR_DEFAULT_INTENT, RESPONSE_SELECTOR_PREDICTION_KEY,
                                    RESPONSE_SELECTOR_PROPERTY_NAME)
    from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY

    from bot.core import faq_topics
    from bot.server.nlu.language_component import faq_topic

    assert (faq_topics.SELECTOR_KEY, faq_topics.SELECTOR_PREDICTION, faq_topics.INTENT_RESPONSE) == (
        RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_PREDICTION_KEY, INTENT_RESPONSE_KEY)
    for selector in ("faq", RESPONSE_SELECTOR_DEFAULT_INTENT):
        message = Message(data={TEXT: "¿cuánto cuesta?", RESPONSE_SELECTOR_PROPERTY_NAME: {
            selector: {RESPONSE_SELECTOR_PREDICTION_KEY: {INTENT_RESPONSE_KEY: "faq/cost"}}}})
        assert faq_topic(message) == "cost"
    assert faq_topic(Message(data={TEXT: "hola"})) == ""
