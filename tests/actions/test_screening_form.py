"""The screen's form reads an answer only while its question is asked, and asks an unclear one again."""
import pytest

from actions.screening.form import read_answer


def tracker_for(make_tracker, text, intent="inform", requested="screening_frequency", retry=None, risk=None):
    return make_tracker(text, intent, risk=risk, slots={"requested_slot": requested, "screening_retry": retry})


def test_an_answer_fills_only_the_question_being_asked(make_tracker):
    tracker = tracker_for(make_tracker, "like 6 beers a night")
    assert read_answer("screening_frequency", tracker) == {"screening_frequency": "daily", "screening_retry": None,
                                                           "screening_confirm": None}
    assert read_answer("screening_substances", tracker) == {}  # not asked now: nothing stored


def test_an_unclear_answer_is_asked_once_more_then_recorded_as_not_sure(make_tracker):
    first = tracker_for(make_tracker, "hmm purple")
    assert read_answer("screening_frequency", first) == {"screening_retry": "screening_frequency",
                                                         "screening_confirm": None}
    second = tracker_for(make_tracker, "banana", retry="screening_frequency")
    assert read_answer("screening_frequency", second) == {"screening_frequency": "unsure", "screening_retry": None,
                                                          "screening_confirm": None}


@pytest.mark.parametrize("intent", ["faq", "human_handoff", "stop", "retract"])
def test_questions_and_requests_are_never_stored_as_answers(make_tracker, intent):
    tracker = tracker_for(make_tracker, "how much does it cost", intent=intent)
    assert read_answer("screening_frequency", tracker) == {}


def test_a_statement_with_a_question_in_it_is_the_answer_when_the_nlu_says_so(make_tracker):
    # Mid-screen the NLU turns an FAQ reading of a statement into inform (tests/core/test_linear.py): it is read.
    tracker = tracker_for(make_tracker, "every day, how much does it cost", intent="inform")
    assert read_answer("screening_frequency", tracker)["screening_frequency"] == "daily"
    # As an FAQ the rules answer it, and Rasa does not validate the form after that: never stored.
    assert read_answer("screening_frequency", tracker_for(make_tracker, "every day, how much does it cost",
                                                          intent="faq")) == {}


@pytest.mark.parametrize("risk, intent", [
    ({"is_risk": True, "category": "suicide", "urgency": "urgent"}, "risk_suicide"),
    ({"is_risk": False}, "risk_withdrawal_danger"),  # the classifier alone
])
def test_a_risk_message_is_never_an_answer_even_when_it_reads_like_one(make_tracker, risk, intent):
    tracker = tracker_for(make_tracker, "every day i want to die", intent=intent, risk=risk)
    assert read_answer("screening_frequency", tracker) == {}


# Buttons, SMS numbers and a bare yes / no are read exactly, whatever the model says.
@pytest.mark.parametrize("requested, text, value", [
    ("screening_withdrawal", "1", "yes"), ("screening_medical", "No.", "no"), ("screening_relapse", "idk", "unsure"),
    ("screening_home", "yes", "safe"), ("screening_home", "2", "unsafe"), ("screening_frequency", "4", "unsure"),
    ("screening_frequency", "a few times a week", "weekly"),
])
def test_buttons_numbers_and_bare_answers_are_read_exactly(make_tracker, requested, text, value):
    events = read_answer(requested, tracker_for(make_tracker, text, requested=requested))
    assert events[requested] == value and events["screening_confirm"] is None


def test_one_answer_fills_what_and_how_often(make_tracker):
    """'vodka every day' answers the first two questions: how often is not asked again (issue 25)."""
    events = read_answer("screening_substances", tracker_for(make_tracker, "vodka every day",
                                                             requested="screening_substances"))
    assert events["screening_substances"] == "alcohol" and events["screening_frequency"] == "daily"
    only_what = read_answer("screening_substances", tracker_for(make_tracker, "vodka", requested="screening_substances"))
    assert "screening_frequency" not in only_what


def fixed_reading(monkeypatch, value, confidence):
    from bot.core.screening import answer_model

    class Reader:
        def read(self, question, text):
            return answer_model.Reading(value, confidence)

    monkeypatch.setattr(answer_model, "reader", lambda: Reader())


def test_a_middling_reading_is_confirmed_in_one_line_then_stored_on_yes(make_tracker, monkeypatch):
    from bot.core.screening import answer_model

    fixed_reading(monkeypatch, "no", (answer_model.ACCEPT + answer_model.CONFIRM) / 2)
    asked = read_answer("screening_withdrawal", tracker_for(make_tracker, "just cant sleep for a night or two",
                                                            requested="screening_withdrawal"))
    assert asked == {"screening_confirm": "withdrawal:no", "screening_retry": None}
    yes = make_tracker("yep", "affirm", slots={"requested_slot": "screening_withdrawal",
                                               "screening_confirm": "withdrawal:no"})
    assert read_answer("screening_withdrawal", yes)["screening_withdrawal"] == "no"
    no = make_tracker("no", "deny", slots={"requested_slot": "screening_withdrawal", "screening_confirm": "withdrawal:no"})
    assert read_answer("screening_withdrawal", no) == {"screening_confirm": None, "screening_retry": "screening_withdrawal"}


def test_a_sure_reading_is_stored_and_a_weak_one_asked_again(make_tracker, monkeypatch):
    from bot.core.screening import answer_model

    fixed_reading(monkeypatch, "yes", answer_model.ACCEPT)
    tracker = tracker_for(make_tracker, "had a seizure in 2019 when i quit", requested="screening_withdrawal")
    assert read_answer("screening_withdrawal", tracker)["screening_withdrawal"] == "yes"
    fixed_reading(monkeypatch, "yes", answer_model.CONFIRM / 2)
    unread = tracker_for(make_tracker, "depends on the week honestly", requested="screening_withdrawal")
    assert read_answer("screening_withdrawal", unread) == {"screening_retry": "screening_withdrawal",
                                                           "screening_confirm": None}


def test_what_the_model_cannot_read_the_word_rules_may_and_it_is_confirmed_in_one_line(make_tracker, monkeypatch):
    """blind27's "Una o dos veces al mes" (too short to tell its language, so the English model read it, unsure)
    and "ya i did" were asked again, then stored as not sure; the word rules read them."""
    from bot.core.screening import answer_model

    fixed_reading(monkeypatch, "daily", answer_model.CONFIRM / 2)
    tracker = tracker_for(make_tracker, "Una o dos veces al mes", requested="screening_frequency")
    assert read_answer("screening_frequency", tracker) == {"screening_confirm": "frequency:less_often",
                                                           "screening_retry": None}
    fixed_reading(monkeypatch, "no", answer_model.CONFIRM / 2)
    tracker = tracker_for(make_tracker, "yeah, once in march", requested="screening_relapse")
    assert read_answer("screening_relapse", tracker) == {"screening_confirm": "relapse:yes", "screening_retry": None}


def test_a_yes_with_the_verb_echoed_is_read_exactly_whatever_the_model_says(make_tracker, monkeypatch):
    """Later models read "ya i did" to the relapse question as a sure no (0.72): the echo is read as the bare yes."""
    from bot.core.screening import answer_model

    fixed_reading(monkeypatch, "no", answer_model.ACCEPT + 0.1)
    tracker = tracker_for(make_tracker, "ya i did", requested="screening_relapse")
    assert read_answer("screening_relapse", tracker)["screening_relapse"] == "yes"


# The answers issue 18 saw taken as "not sure" (then tipping people to detox-first or higher care) are read
# by the trained answer models as the value a clinician would read: stored, or confirmed with that value.
@pytest.mark.parametrize("requested, text, value", [
    ("screening_medical", "asthma", "no"),
    ("screening_mental_health", "adhd, on my meds", "no"),
    ("screening_withdrawal", "can't sleep and get irritable when I stop the weed, that's it", "no"),
    ("screening_home", "live with my parents, they want me to go, nobody else uses", "safe"),
])
def test_answers_in_own_words_are_read_as_a_clinician_would(make_tracker, requested, text, value):
    events = read_answer(requested, tracker_for(make_tracker, text, requested=requested))
    question = requested[len("screening_"):]
    assert events.get(requested) == value or events.get("screening_confirm") == f"{question}:{value}", events


def test_the_form_action_returns_the_confirmation_and_retry_slots(monkeypatch):
    """rasa-sdk keeps only the form's own slots after validation: the confirmation and the question asked
    again were dropped, the form saw nothing filled and the fallback answered instead (integration tests)."""
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from bot.core.screening import answer_model
    from actions.screening.form import ValidateScreeningForm

    fixed_reading(monkeypatch, "unsafe", (answer_model.ACCEPT + answer_model.CONFIRM) / 2)
    domain = {"slots": {f"screening_{q}": {"type": "text", "mappings": [{"type": "custom"}]}
                        for q in ("substances", "home")},
              "forms": {"screening_form": {"required_slots": ["screening_substances", "screening_home"]}}}
    latest = {"text": "my roommate uses", "intent": {"name": "inform"}, "entities": [], "risk": {"is_risk": False}}
    tracker = Tracker("t", {"requested_slot": "screening_home", "screening_substances": "alcohol"}, latest,
                      [{"event": "user", "text": "my roommate uses", "parse_data": latest}], False, None,
                      {"name": "screening_form"}, "action_listen")
    events = asyncio.run(ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain))
    assert {"event": "slot", "timestamp": None, "name": "screening_confirm", "value": "home:unsafe"} in events


def test_how_often_is_not_taken_from_an_answer_naming_several_substances(make_tracker):
    events = read_answer("screening_substances", tracker_for(make_tracker, "weed mostly and coke on weekends",
                                                             requested="screening_substances"))
    assert events["screening_substances"] == "stimulants,cannabis" and "screening_frequency" not in events


def test_a_screen_started_again_clears_the_earlier_screens_answers():
    """Rasa validates the slots already filled when a form starts: those were the last screen's answers, and a
    second screen in the same conversation gave the old result at once."""
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.screening.form import READERS, ValidateScreeningForm

    earlier = {slot: "no" for slot in READERS} | {"screening_outcome": "outpatient_may_fit", "requested_slot": None}
    latest = {"text": "is iop right for me", "intent": {"name": "check_fit"}, "entities": [],
              "risk": {"is_risk": False}}
    tracker = Tracker("t", earlier, latest, [], False, None, {"name": "screening_form"}, "utter_screening_intro")
    events = asyncio.run(ValidateScreeningForm().run(CollectingDispatcher(), tracker, {"slots": {}, "forms": {}}))
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert cleared >= set(READERS) | {"screening_outcome"}


@pytest.mark.parametrize("requested, text, value", [
    ("screening_frequency", "pues tomo casi todos los días", "daily"),
    ("screening_home", "mi pareja bebe mucho", "unsafe"),
    ("screening_withdrawal", "sí, me tiemblan las manos", "yes"),
    ("screening_medical", "no sé", "unsure"),
])
def test_a_spanish_answer_is_read_by_the_word_rules(make_tracker, monkeypatch, requested, text, value):
    fixed_reading(monkeypatch, "unsure", 0.0)  # the English models would not read it
    tracker = make_tracker(text, "speak_spanish", slots={"requested_slot": requested, "language": "es"})
    assert read_answer(requested, tracker)[requested] == value


def test_a_spanish_message_that_is_no_answer_is_asked_again(make_tracker, monkeypatch):
    fixed_reading(monkeypatch, "unsure", 0.0)
    tracker = make_tracker("perdón, no entiendo inglés", "speak_spanish",
                           slots={"requested_slot": "screening_medical", "language": "es"})
    assert read_answer("screening_medical", tracker) == {"screening_retry": "screening_medical",
                                                         "screening_confirm": None}


def test_a_spanish_yes_confirms(make_tracker):
    tracker = make_tracker("sí", "affirm", slots={"requested_slot": "screening_home", "language": "es",
                                                  "screening_confirm": "home:unsafe"})
    assert read_answer("screening_home", tracker)["screening_home"] == "unsafe"


# A crisis reply interrupts the screen; after "I'm safe" it goes on from the same question (data/rules.yml).
def screen_tracker(text, slots, risk=None, intent="risk_suicide", loop="screening_form"):
    from rasa_sdk import Tracker

    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [],
              "risk": risk or {"is_risk": True, "category": "suicide", "urgency": "urgent"}}
    return Tracker("screen-crisis", dict(slots), latest, [], False, None, {"name": loop} if loop else {},
                   "action_listen")


def test_the_answer_that_escalated_is_kept_with_its_question(monkeypatch):
    """blind28's "hearing voices even when I'm not high" got the crisis reply and the screen lost its answer."""
    from actions.screening.form import keep_answer
    from bot.core.screening import answer_model

    fixed_reading(monkeypatch, "yes", answer_model.ACCEPT)
    events = keep_answer(screen_tracker("hearing voices even when im not high", {
        "requested_slot": "screening_mental_health", "screening_retry": "screening_mental_health"}))
    kept = {e["name"]: e["value"] for e in events}
    assert kept == {"screening_mental_health": "yes", "screening_confirm": None, "screening_paused":
                    "screening_mental_health"}
    # A middling reading is kept as the one-line confirmation the screen asks when it goes on.
    fixed_reading(monkeypatch, "yes", (answer_model.ACCEPT + answer_model.CONFIRM) / 2)
    events = keep_answer(screen_tracker("voices sometimes", {"requested_slot": "screening_mental_health"}))
    assert {e["name"]: e["value"] for e in events} == {"screening_confirm": "mental_health:yes",
                                                       "screening_paused": "screening_mental_health"}
    # Words it cannot read: only the question is kept, and it is asked afresh.
    fixed_reading(monkeypatch, "yes", 0.0)
    events = keep_answer(screen_tracker("i want to die", {"requested_slot": "screening_mental_health"}))
    assert {e["name"]: e["value"] for e in events} == {"screening_confirm": None,
                                                       "screening_paused": "screening_mental_health"}


def test_nothing_is_kept_when_no_screen_was_asking():
    from actions.screening.form import keep_answer

    assert keep_answer(screen_tracker("i want to die", {"requested_slot": None}, loop=None)) == []
    assert keep_answer(screen_tracker("i want to die", {"requested_slot": "crisis_safety"},
                                      loop="crisis_followup_form")) == []


def test_a_program_question_beside_the_crisis_is_not_kept_as_an_answer():
    from actions.screening.form import keep_answer

    events = keep_answer(screen_tracker("how much is it, i cant do this anymore", {
        "requested_slot": "screening_frequency"}, intent="faq"))
    assert [(e["name"], e["value"]) for e in events] == [("screening_paused", "screening_frequency")]


def test_the_screen_goes_on_with_its_answers_after_a_statement_of_safety():
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions.screening.form import READERS, ValidateScreeningForm

    answers = {"screening_substances": "alcohol", "screening_frequency": "daily", "screening_withdrawal": "no"}
    tracker = screen_tracker("yes im safe now", {**answers, "requested_slot": None, "screening_resume": True,
                                                 "screening_paused": "screening_withdrawal"},
                             risk={"is_risk": False}, intent="feeling_safe")
    events = asyncio.run(ValidateScreeningForm().run(CollectingDispatcher(), tracker, {"slots": {}, "forms": {}}))
    set_to = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert not set(READERS) & set(set_to)  # the answers stay; the form asks the medical question next
    assert set_to["screening_resume"] is False and set_to["screening_paused"] is None
    # Without the sign (the person asked to start again), the screen starts from nothing.
    fresh = screen_tracker("is iop right for me", {**answers, "requested_slot": None,
                                                   "screening_paused": "screening_withdrawal"},
                           risk={"is_risk": False}, intent="check_fit")
    events = asyncio.run(ValidateScreeningForm().run(CollectingDispatcher(), fresh, {"slots": {}, "forms": {}}))
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert cleared >= set(READERS) | {"screening_paused"}
