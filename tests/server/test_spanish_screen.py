"""The "is IOP right for me?" screen in Spanish (issue 18): every question, retry, confirmation, the stop, the
suggestion, the results and the next steps have Spanish variations (condition language = es) for the web and
for SMS, with the English buttons' payloads, and the English ones say language = en.

Rasa 3.6 pools every matching conditional variation and picks at random, and by SMS a plain `channel: twilio`
variation beats a conditional one without a channel: so each English variation needs a Spanish one with the same
conditions on the same channel, and the Spanish first questions say that no confirmation or retry is pending.
"""
import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

from bot.core import wording
from bot.core.screening.outcome import ANSWER_VALUES, OUTCOMES, QUESTIONS
from tests.said import project_domain, rendered

SCREEN = (["utter_screening_intro", "utter_screening_stopped", "utter_suggest_screening",
           "utter_screening_next_steps"]
          + [f"utter_ask_screening_{q}" for q in QUESTIONS]
          + [f"utter_screening_result_{o}" for o in OUTCOMES])
# What the question's slots hold while no confirmation or retry is pending (domain.yml: `value: null`).
PENDING = ("screening_confirm", "screening_retry")
SPANISH_MARKS = ("¿", "á", "é", "í", "ó", "ú", "ñ", " usted", " su ", " sus ", "Según", "Perdón", "Entonces")


def language(variation):
    return next((c["value"] for c in variation.get("condition") or [] if c["name"] == "language"), None)


def conditions(variation):
    """A variation's conditions other than the language, and other than "nothing pending" (None)."""
    return {(c["name"], str(c["value"])) for c in variation.get("condition") or []
            if c["name"] != "language" and not (c["name"] in PENDING and c["value"] is None)}


def payloads(variation):
    return [b["payload"] for b in variation.get("buttons") or []]


def slots_for(name, variation):
    return {c["name"]: c["value"] for c in variation.get("condition") or [] if c["name"] != "language"}


@pytest.mark.parametrize("name", SCREEN)
def test_each_english_variation_has_a_spanish_one_on_the_same_channel_with_the_same_payloads(name):
    variations = wording.responses()[name]
    spanish = [v for v in variations if language(v) == "es"]
    assert spanish, name
    channels = {str(v.get("channel")) for v in spanish}
    assert "None" in channels or {"None", "twilio"} <= channels, name
    for english in (v for v in variations if language(v) != "es"):
        same = [v for v in spanish if conditions(v) == conditions(english) and v.get("channel") == english.get("channel")]
        assert same, f"{name}: no Spanish variation for {english}"
        for variation in same:
            assert payloads(variation) == payloads(english), (name, variation)
            # The same values are filled in ({retention_days}, {details}, {program_phone}, {reach_person}).
            assert sorted(set(part.split("}")[0] for part in variation["text"].split("{")[1:])) == sorted(
                set(part.split("}")[0] for part in english["text"].split("{")[1:])), (name, variation["text"])
        if english.get("condition"):
            # A conditional English variation says language = en, or Rasa would pick it at random for Spanish.
            assert language(english) == "en", english


@pytest.mark.parametrize("name", [f"utter_ask_screening_{q}" for q in QUESTIONS])
def test_the_spanish_first_question_is_asked_only_when_nothing_is_pending(name):
    """A Spanish first question without these conditions would be pooled with the Spanish confirmation."""
    for variation in wording.responses()[name]:
        if language(variation) == "es" and not conditions(variation):
            assert {c["name"]: c["value"] for c in variation["condition"] if c["name"] in PENDING} == {
                "screening_confirm": None, "screening_retry": None}, variation


def confirmations():
    for question in QUESTIONS:
        if question == "substances":
            continue
        values = [v for v in ANSWER_VALUES.get(question, ("yes", "no")) if v != "unsure"]
        for value in values:
            yield question, value


def slot_sets():
    """Every state a screening response is rendered in: nothing pending, each confirmation, each retry."""
    for name in SCREEN:
        yield name, {}
    for question, value in confirmations():
        yield f"utter_ask_screening_{question}", {"screening_confirm": f"{question}:{value}"}
    for question in QUESTIONS:
        yield f"utter_ask_screening_{question}", {"screening_retry": f"screening_{question}"}


def looks_spanish(text):
    return any(mark in text for mark in SPANISH_MARKS)


VALUES = {"retention_days": "30", "details": "DETAILS", "program_phone": "(617) 555-0142",
          "reach_person": "REACH"}


@pytest.mark.parametrize("name, slots", list(slot_sets()))
@pytest.mark.parametrize("channel", ["rest", "twilio"])
def test_rasa_renders_spanish_for_es_and_english_for_en_or_no_language(name, slots, channel):
    nlg = TemplatedNaturalLanguageGenerator(project_domain().responses)
    for _ in range(5):  # Rasa picks at random among the variations that match: none may be the wrong language
        spanish = nlg.generate_from_slots(name, {**slots, "language": "es"}, channel, **VALUES)
        english = nlg.generate_from_slots(name, {**slots, "language": "en"}, channel, **VALUES)
        assert looks_spanish(spanish["text"]) and not english["text"].startswith(("Perdón", "Entonces", "¿")), (
            spanish["text"], english["text"])
        assert not looks_spanish(english["text"]), english["text"]
        assert payloads(spanish) == payloads(english), name
        if not slots:
            # A conversation whose language is not known yet (a bare generator: no language slot) gets English.
            unknown = nlg.generate_from_slots(name, {}, channel, **VALUES)
            assert not looks_spanish(unknown["text"]), unknown["text"]
    if slots:
        # The confirmation or the retry, not the first question.
        english_first = nlg.generate_from_slots(name, {"language": "en"}, channel, **VALUES)["text"]
        spanish_first = nlg.generate_from_slots(name, {"language": "es"}, channel, **VALUES)["text"]
        if channel == "rest" or "screening_confirm" in slots:
            assert english["text"] != english_first
        assert spanish["text"] != spanish_first, (spanish["text"], slots)


def test_the_project_s_own_rendering_picks_the_language_slot(make_tracker):
    for lang, start in (("es", "¿Con qué frecuencia consume?"), ("en", "How often do you use?"),
                        (None, "How often do you use?")):
        slots = {"language": lang} if lang else {}
        tracker = make_tracker("hola", "speak_spanish", slots=slots)
        for channel in ("rest", "twilio"):
            (said,) = rendered([{"response": "utter_ask_screening_frequency"}], tracker, channel=channel)
            assert said["text"].startswith(start), (lang, channel, said["text"])
    confirm = make_tracker("sí", "affirm", slots={"language": "es", "screening_confirm": "home:unsafe"})
    (said,) = rendered([{"response": "utter_ask_screening_home"}], confirm, channel="twilio")
    assert said["text"] == "Entonces, ¿su casa no es segura, o alguien ahí bebe o consume drogas? Responda 1 sí, 2 no."
    stopped = make_tracker("stop", "stop", slots={"language": "es"})
    (said,) = rendered([{"response": "utter_screening_stopped"}], stopped)
    assert "escriba 'person'" in said["text"] and said["text"].startswith("De acuerdo")


@pytest.mark.parametrize("question", ["substances", "frequency", "withdrawal", "medical", "mental_health",
                                      "commitment", "relapse", "home"])
def test_a_question_asked_again_by_sms_says_it_did_not_understand_in_either_language(question):
    """By SMS a plain variation for the channel beats a conditional one without a channel (Rasa 3.6), so the
    English retry used to come out as the plain question again; each retry has its SMS variation."""
    nlg = TemplatedNaturalLanguageGenerator(project_domain().responses)
    slots = {"screening_retry": f"screening_{question}", "screening_confirm": None}
    english = nlg.generate_from_slots(f"utter_ask_screening_{question}", {**slots, "language": "en"}, "twilio")
    spanish = nlg.generate_from_slots(f"utter_ask_screening_{question}", {**slots, "language": "es"}, "twilio")
    assert english["text"].startswith("Sorry, I didn't catch that.")
    assert spanish["text"].startswith("Perdón, no le entendí.")
