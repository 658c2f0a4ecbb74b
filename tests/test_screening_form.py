"""The screen's form reads an answer only while its question is asked, and asks an unclear one again."""
import pytest

from actions.screening.form import read_answer


def tracker_for(make_tracker, text, intent="inform", requested="screening_frequency", retry=None, risk=None):
    return make_tracker(text, intent, risk=risk, slots={"requested_slot": requested, "screening_retry": retry})


def test_an_answer_fills_only_the_question_being_asked(make_tracker):
    tracker = tracker_for(make_tracker, "like 6 beers a night")
    assert read_answer("screening_frequency", tracker) == {"screening_frequency": "daily", "screening_retry": None}
    assert read_answer("screening_substances", tracker) == {}  # not asked now: nothing stored


def test_an_unclear_answer_is_asked_once_more_then_recorded_as_not_sure(make_tracker):
    first = tracker_for(make_tracker, "hmm purple")
    assert read_answer("screening_frequency", first) == {"screening_retry": "screening_frequency"}
    second = tracker_for(make_tracker, "banana", retry="screening_frequency")
    assert read_answer("screening_frequency", second) == {"screening_frequency": "unsure", "screening_retry": None}


@pytest.mark.parametrize("intent", ["faq", "human_handoff", "stop", "retract"])
def test_questions_and_requests_are_never_stored_as_answers(make_tracker, intent):
    tracker = tracker_for(make_tracker, "how much does it cost", intent=intent)
    assert read_answer("screening_frequency", tracker) == {}


def test_a_question_that_also_answers_counts_as_the_answer(make_tracker):
    tracker = tracker_for(make_tracker, "every day, how much does it cost", intent="faq")
    assert read_answer("screening_frequency", tracker)["screening_frequency"] == "daily"


@pytest.mark.parametrize("risk, intent", [
    ({"is_risk": True, "category": "suicide", "urgency": "urgent"}, "risk_suicide"),
    ({"is_risk": False}, "risk_withdrawal_danger"),  # the classifier alone
])
def test_a_risk_message_is_never_an_answer_even_when_it_reads_like_one(make_tracker, risk, intent):
    tracker = tracker_for(make_tracker, "every day i want to die", intent=intent, risk=risk)
    assert read_answer("screening_frequency", tracker) == {}
