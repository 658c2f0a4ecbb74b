"""Spanish messages get the Spanish answer; English ones, even with a Spanish word, do not."""
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.language import looks_spanish
from bot.server.nlu.language_component import SPANISH_INTENT, SpanishGate
from bot.server.nlu.risk_component import RiskSignalDetector
from bot.core.risk.detector import default_detector


@pytest.mark.parametrize("text", ["hola, necesito ayuda con mi adicción", "¿aceptan seguro médico?",
                                  "mi hijo tiene un problema con las drogas", "habla español?"])
def test_spanish_is_recognised(text):
    assert looks_spanish(text)


@pytest.mark.parametrize("text", ["do you take medicaid", "mi casa es su casa lol do you take medicaid", "no",
                                  "i take my meds con leche", "como are you", ""])
def test_english_is_not_taken_for_spanish(text):
    assert not looks_spanish(text)


def test_the_gate_sets_the_spanish_intent_and_leaves_english_alone():
    spanish = Message(data={TEXT: "hola, necesito ayuda", INTENT: {INTENT_NAME_KEY: "greet", "confidence": 0.9}})
    english = Message(data={TEXT: "hello, i need help", INTENT: {INTENT_NAME_KEY: "greet", "confidence": 0.9}})
    SpanishGate().process([spanish, english])
    assert spanish.get(INTENT)[INTENT_NAME_KEY] == SPANISH_INTENT
    assert english.get(INTENT)[INTENT_NAME_KEY] == "greet"


def test_the_spanish_intent_is_ranked_once():
    top = {INTENT_NAME_KEY: SPANISH_INTENT, "confidence": 0.8}
    message = Message(data={TEXT: "ayuda", INTENT: top,
                            INTENT_RANKING_KEY: [top, {INTENT_NAME_KEY: "human_handoff", "confidence": 0.1}]})
    SpanishGate().process([message])
    names = [r[INTENT_NAME_KEY] for r in message.get(INTENT_RANKING_KEY)]
    assert names == [SPANISH_INTENT, "human_handoff"]


def _spanish_with(intent, confidence):
    # Words the risk detector's rules do not catch, so only the classifier's reading is at stake.
    text = "me siento muy mal, no sé qué hacer con mi vida"
    assert not default_detector().detect(text).is_risk
    top = {INTENT_NAME_KEY: intent, "confidence": confidence}
    other = {INTENT_NAME_KEY: "greet", "confidence": 0.05}
    return Message(data={TEXT: text, INTENT: top,
                         INTENT_RANKING_KEY: [top, other]})


def test_a_crisis_reading_by_the_classifier_is_not_replaced_by_spanish():
    message = _spanish_with("risk_suicide", 0.91)
    SpanishGate().process([message])
    RiskSignalDetector(default_detector()).process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "risk_suicide"


def test_an_unsure_crisis_reading_falls_back_to_the_spanish_answer_not_english():
    message = _spanish_with("risk_suicide", 0.4)
    SpanishGate().process([message])
    RiskSignalDetector(default_detector()).process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == SPANISH_INTENT


@pytest.mark.parametrize("text, category", [
    ("tomé demasiadas pastillas", "overdose"), ("mi hermano no despierta", "medical_emergency"),
    ("tiene los labios azules", "overdose"), ("me voy a matar", "suicide"),
    ("quiero acabar con mi vida", "suicide"), ("quiero hacerme daño", "self_harm"),
])
def test_spanish_crisis_words_escalate(text, category):
    verdict = default_detector().detect(text)
    assert verdict.is_risk and verdict.category == category


@pytest.mark.parametrize("text", ["tomo demasiado café", "¿cuánto cuesta el programa?", "mi hijo toma pastillas para la presión"])
def test_ordinary_spanish_does_not_escalate(text):
    assert not default_detector().detect(text).is_risk


@pytest.mark.parametrize("text", ["estoy muy triste", "tengo miedo", "no entiendo inglés", "me siento mal",
                                  "me quiero matar", "me quiero suicidar", "me corté", "no me quiero despertar"])
def test_short_spanish_messages_are_recognised(text):
    assert looks_spanish(text)


@pytest.mark.parametrize("text", ["hola", "gracias", "ayuda", "Ayuda!!", "socorro", "ayúdame", "adios", "buenas tardes"])
def test_one_spanish_word_is_spanish(text):
    assert looks_spanish(text)


@pytest.mark.parametrize("text", ["mi", "la", "el", "no", "me", "help", "hello", "thanks", "yo", "ok"])
def test_one_word_that_english_uses_too_is_not_spanish(text):
    assert not looks_spanish(text)


@pytest.mark.parametrize("text", ["no shakes no sweats nothing", "no seizures, no shakes", "no, nobody is threatening me",
                                  "no no no", "text me", "solo parent here", "yo nada matters anymore, gonna end it"])
def test_english_answers_with_no_and_me_stay_english(text):
    assert not looks_spanish(text)


def test_the_gate_gives_each_message_that_shows_its_language_the_language_entity():
    from rasa.shared.nlu.constants import ENTITIES

    messages = [Message(data={TEXT: text, INTENT: {INTENT_NAME_KEY: "greet", "confidence": 0.9},
                              ENTITIES: [{"entity": "risk_category", "value": "suicide"}]})
                for text in ("hola, necesito ayuda", "hello, i need help", "ok")]
    SpanishGate().process(messages)
    found = [{e["entity"]: e["value"] for e in m.get(ENTITIES)} for m in messages]
    assert found == [{"risk_category": "suicide", "language": "es"}, {"risk_category": "suicide", "language": "en"},
                     {"risk_category": "suicide"}]


# Issue 18: a Spanish question the classifier reads as an FAQ (or out of scope) with enough confidence keeps it.
def _spanish_question(intent, confidence, topic="cost", text="¿cuánto cuesta el programa al mes?"):
    top = {INTENT_NAME_KEY: intent, "confidence": confidence}
    selector = {"default": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.8}}}
    return Message(data={TEXT: text, INTENT: top, INTENT_RANKING_KEY: [top, {INTENT_NAME_KEY: "greet",
                                                                            "confidence": 0.01}],
                         "response_selector": selector})


def _language(message):
    return [e["value"] for e in message.get("entities") or [] if e["entity"] == "language"]


def test_a_sure_spanish_faq_reading_keeps_its_intent_and_the_language():
    message = _spanish_question("faq", 0.6)
    SpanishGate({"answer_threshold": 0.3}).process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "faq" and _language(message) == ["es"]
    assert [r[INTENT_NAME_KEY] for r in message.get(INTENT_RANKING_KEY)][:2] == ["faq", SPANISH_INTENT]


def test_an_unsure_spanish_faq_reading_or_another_intent_gets_the_spanish_reply():
    for message in (_spanish_question("faq", 0.25), _spanish_question("greet", 0.9, text="hola, buenas tardes"),
                    _spanish_question("nlu_fallback", 0.9)):
        SpanishGate({"answer_threshold": 0.3}).process([message])
        assert message.get(INTENT)[INTENT_NAME_KEY] == SPANISH_INTENT and _language(message) == ["es"]


def test_the_threshold_comes_from_the_config():
    message = _spanish_question("faq", 0.6)
    SpanishGate({"answer_threshold": 0.7}).process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == SPANISH_INTENT
    assert SpanishGate().answer_threshold == SpanishGate.get_default_config()["answer_threshold"]


def test_spanish_out_of_scope_is_kept_and_the_out_of_scope_faq_topic_becomes_out_of_scope():
    kept = _spanish_question("out_of_scope", 0.5, text="¿cuál es la capital de francia?")
    topic = _spanish_question("faq", 0.5, topic="out_of_scope", text="¿me recomienda una serie para ver?")
    SpanishGate().process([kept, topic])
    assert kept.get(INTENT)[INTENT_NAME_KEY] == "out_of_scope"
    assert topic.get(INTENT)[INTENT_NAME_KEY] == "out_of_scope"
    assert [r[INTENT_NAME_KEY] for r in topic.get(INTENT_RANKING_KEY)].count("out_of_scope") == 1


def test_in_a_form_a_spanish_question_still_gets_the_spanish_reply():
    class InForm:
        active_loop_name = "screening_form"

    message = _spanish_question("faq", 0.9)
    SpanishGate().process([message], tracker=InForm())
    assert message.get(INTENT)[INTENT_NAME_KEY] == SPANISH_INTENT


def test_english_questions_are_left_alone():
    message = _spanish_question("faq", 0.1, text="how much does it cost")
    SpanishGate().process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "faq" and _language(message) == ["en"]


def test_the_risk_detector_still_wins_over_a_spanish_faq_reading():
    message = _spanish_question("faq", 0.9, text="tomé demasiadas pastillas, ¿cuánto cuesta el programa?")
    SpanishGate().process([message])
    RiskSignalDetector(default_detector()).process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "risk_overdose"
