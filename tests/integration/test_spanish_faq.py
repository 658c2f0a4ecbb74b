"""Issue 18 through the trained model: a Spanish question gets its topic's answer in Spanish, with the clinic
profile's Spanish values; an English one is unchanged; a Spanish greeting still gets the short Spanish reply and a
Spanish crisis still escalates in Spanish. Rasa's own agent (NLU, the Spanish gate, the risk detector, the rules)
with the project's response generator; no action server (its actions after the answer are not checked here).
With the integration tests, which `make integration` runs after `make train`: in the unit stage there is no model
yet, and a skipped test would pass CI without running."""
from __future__ import annotations

import asyncio

import pytest

from bot.core.settings import ROOT

MODEL = ROOT / "models" / "CURRENT"
ASSESSMENT_ES = "Solo una evaluación con nuestro equipo clínico decide qué atención es adecuada para usted."


@pytest.fixture(scope="module")
def agent():
    assert MODEL.exists() and (ROOT / MODEL.read_text().strip()).exists(), "no trained model: run make train"
    from rasa.core.agent import Agent

    from bot.server.nlg import ProfileNaturalLanguageGenerator
    from tests.said import project_domain

    return Agent.load(str(ROOT / MODEL.read_text().strip()),
                      generator=ProfileNaturalLanguageGenerator(domain=project_domain()))


@pytest.fixture(autouse=True)
def example_profile(monkeypatch):
    monkeypatch.setenv("CLINIC_PROFILE", str(ROOT / "clinic.yml"))


def said(agent, *texts: str, sender: str) -> list:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    async def run():
        replies = []
        for text in texts:
            output = CollectingOutputChannel()
            await agent.handle_message(UserMessage(text, output, sender))
            replies.append(" ".join(m.get("text") or "" for m in output.messages))
        return replies

    return asyncio.run(run())


def spanish_values():
    from bot.core.profile import load_profile

    return load_profile(ROOT / "clinic.yml").as_slots("es")


@pytest.mark.parametrize("text, start", [
    ("¿Cuánto cuesta el programa?", "cost_note"),
    ("¿cuántas semanas hay que ir al programa?", None),
    ("¿En qué dirección están ustedes?", None),
])
def test_a_spanish_question_gets_the_spanish_answer_of_its_topic(agent, text, start):
    (reply,) = said(agent, text, sender=f"es-{abs(hash(text))}")
    values = spanish_values()
    if start:
        assert reply.startswith(values[start]), reply
    assert "Hola. Soy un asistente automático" not in reply  # not the short Spanish reply
    assert "Only an assessment" not in reply and ("Solo una evaluación" in reply or "Estamos en" in reply), reply
    if "Estamos en" in reply:
        assert values["directions"] in reply and values["program_hours"] in reply


def test_the_cost_answer_in_spanish_is_the_whole_spanish_answer(agent):
    (reply,) = said(agent, "¿Cuánto cuesta el programa?", sender="es-cost")
    values = spanish_values()
    assert reply.startswith(values["cost_note"]) and ASSESSMENT_ES in reply
    assert f"escriba 'person' o llame al {values['program_phone']}" in reply


def test_the_same_question_in_english_is_answered_in_english(agent):
    (reply,) = said(agent, "how much does the program cost", sender="en-cost")
    assert reply.startswith("Your cost depends on your plan.") and "Only an assessment" in reply


def test_a_spanish_greeting_still_gets_the_short_spanish_reply(agent):
    (reply,) = said(agent, "hola, buenas tardes", sender="es-hola")
    assert reply.startswith("Hola. Soy un asistente automático") and "988 y oprima 2" in reply


def test_a_spanish_crisis_still_escalates_in_spanish(agent):
    (reply,) = said(agent, "me quiero morir, ¿cuánto cuesta el programa?", sender="es-crisis")
    assert "988" in reply and "Only an assessment" not in reply and "Solo una evaluación" not in reply
    assert "llame" in reply.lower() and "Please call" not in reply, reply


def test_after_a_spanish_answer_an_english_question_is_answered_in_english(agent):
    first, second = said(agent, "¿Cuánto cuesta el programa?", "do you take medicaid", sender="es-then-en")
    assert "Solo una evaluación" in first and second.startswith("Most private plans"), second
