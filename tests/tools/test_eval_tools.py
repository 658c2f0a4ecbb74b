"""The blind-set scorers count what the bot would have answered (no trained model needed here)."""
from collections import Counter

from tools import faq_eval, screen_eval


def faq_parse(topic):
    if topic in ("out_of_scope", "nlu_fallback", "greet"):
        return {"intent": {"name": topic}, "entities": []}
    return {"intent": {"name": "faq"}, "entities": [],
            "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}}


def test_faq_scoring_counts_topics_out_of_scope_second_questions_and_alarms():
    questions = [{"text": "do you take aetna", "topic": "insurance"},
                 {"text": "how much is it", "topic": "cost"},
                 {"text": "whats the weather", "topic": "out_of_scope"},
                 {"text": "help me with my taxes", "topic": "out_of_scope"},
                 {"text": "how much does it cost and do you take medicaid?", "topic": "cost", "second": "insurance"}]
    parses = [faq_parse("insurance"), faq_parse("schedule"), faq_parse("nlu_fallback"), faq_parse("cost"),
              faq_parse("cost")]
    parses[1]["entities"] = [{"entity": "risk_category", "value": "suicide"}]
    result = faq_eval.score(questions, parses)
    assert result["per_topic"]["insurance"] == Counter(total=1, right=1)
    assert result["per_topic"]["cost"] == Counter(total=2, right=1)
    assert result["per_topic"]["out_of_scope"] == Counter(total=2, right=1)  # the fallback counts as not answering
    assert result["second"] == Counter(total=1, found=1, single=4) and result["alarms"] == 1
    assert not faq_eval.report(faq_eval.Path("x.yml"), result)  # below the targets


def test_screen_simulation_follows_the_form_and_answers_confirmations_truthfully(monkeypatch):
    from bot.core.screening import answer_model

    class Reader:  # reads every free-text answer as "no" with middling confidence
        def read(self, question, text):
            return answer_model.Reading("no", (answer_model.ACCEPT + answer_model.CONFIRM) / 2)

    monkeypatch.setattr(answer_model, "reader", lambda: Reader())
    answers = [("substances", "vodka every day", "alcohol"), ("frequency", "like i said daily", "daily"),
               ("withdrawal", "i get a bit shaky", "yes"), ("medical", "nothing serious", "no"),
               ("mental_health", "2", "no"), ("commitment", "yes", "yes"), ("relapse", "no", "no"),
               ("home", "yes", "safe")]
    person = {"outcome": "detox_first", "answers": [{"question": q, "text": t, "value": v} for q, t, v in answers]}
    parses = {(q, t): {"text": t, "intent": {"name": "inform"}, "entities": [], "risk": {"is_risk": False}}
              for q, t, _ in answers}
    stored, how = screen_eval.simulate(person, parses)
    assert stored["frequency"] == "daily"  # filled by the first answer, not asked again
    assert stored["withdrawal"] == "unsure"  # the guess "no" was wrong: rejected, then not understood
    assert stored["medical"] == "no" and stored["home"] == "safe"
    assert how["confirmed (right guess)"] == 1 and how["confirmed (wrong guess, rejected)"] == 1
    assert how["filled by an earlier answer (right)"] == 1
    assert screen_eval.same("substances", "opioids,alcohol", "alcohol,opioids")


def test_a_spanish_question_answered_by_the_gate_counts_as_its_topic():
    """The Spanish gate keeps a sure `faq` reading (bot/server/nlu/language_component.py): that is the topic's answer, in
    Spanish; `speak_spanish` (the short Spanish reply) answers no topic."""
    answered = faq_parse("cost")
    answered["intent_ranking"] = [{"name": "faq"}, {"name": "speak_spanish"}]
    short = {"intent": {"name": "speak_spanish"}, "entities": [], "intent_ranking": [{"name": "speak_spanish"},
                                                                                       {"name": "faq"}],
             "response_selector": {"faq": {"response": {"intent_response_key": "faq/cost"}}}}
    assert faq_eval.answered_topic(answered) == "cost"
    assert faq_eval.answered_topic(short) == "speak_spanish"
    result = faq_eval.score([{"text": "¿cuánto cuesta?", "topic": "cost"}] * 2, [answered, short])
    assert result["per_topic"]["cost"] == Counter(total=2, right=1)
    # For an out-of-scope question the short Spanish reply is not a wrong answer.
    assert faq_eval.score([{"text": "¿quién ganó el partido?", "topic": "out_of_scope"}],
                          [short])["per_topic"]["out_of_scope"] == Counter(total=1, right=1)


def test_an_out_of_scope_greeting_given_the_greeting_reply_is_recognised_and_counted_apart():
    greeting = {"intent": {"name": "greet"}, "entities": []}
    wrong = faq_parse("location")
    result = faq_eval.score([{"text": "hi", "topic": "out_of_scope"},
                             {"text": "where do I leave a review", "topic": "out_of_scope"}], [greeting, wrong])
    assert result["per_topic"]["out_of_scope"] == Counter(total=2, right=1, **{"own reply": 1})
