"""Spanish messages get the Spanish answer; English ones, even with a Spanish word, do not."""
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import looks_spanish
from bot.nlu.language_component import SPANISH_INTENT, SpanishGate


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
