"""The NLU component: the detector's verdict wins over the classifier, in both directions."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.server.nlu.risk_component import RiskSignalDetector


@pytest.fixture(scope="module")
def component(detector):
    return RiskSignalDetector(detector)


def parse(component, text, intent="faq", confidence=0.9, ranking=None):
    message = Message(data={"text": text})
    top = {"name": intent, "confidence": confidence}
    message.set("intent", top, add_to_output=True)  # as DIET leaves it
    message.set("intent_ranking", ranking or [top, {"name": "greet", "confidence": 0.05}], add_to_output=True)
    component.process([message])
    return message.as_dict(only_output_properties=True)


def entity_values(parsed):
    return {e["entity"]: e["value"] for e in parsed.get("entities", [])}


def test_detector_overrides_the_classifier(component):
    parsed = parse(component, "do you take aetna? also i want to kill myself tonight", intent="faq")
    assert parsed["intent"] == {"name": "risk_suicide", "confidence": 1.0}
    assert parsed["intent_ranking"][0]["name"] == "risk_suicide"
    assert entity_values(parsed) == {"risk_category": "suicide", "risk_urgency": "imminent", "risk_subject": "self"}
    assert parsed["risk"]["is_risk"] and parsed["risk"]["source"] == "detector"


def test_someone_else_at_risk_is_marked_other(component):
    parsed = parse(component, "my brother is not breathing", intent="greet")
    assert entity_values(parsed)["risk_subject"] == "other"
    assert parsed["intent"]["name"] == "risk_overdose"


def test_classifier_alone_still_escalates(component):
    ranking = [{"name": "risk_violence", "confidence": 0.8}, {"name": "faq", "confidence": 0.1}]
    parsed = parse(component, "qwerty zxcv", intent="risk_violence", confidence=0.8, ranking=ranking)
    assert parsed["intent"]["name"] == "risk_violence"
    assert parsed["risk"]["source"] == "classifier"
    assert entity_values(parsed) == {"risk_category": "violence", "risk_urgency": "urgent", "risk_subject": "self"}


def test_an_unsure_classifier_alone_does_not_escalate(component):
    ranking = [{"name": "risk_self_harm", "confidence": 0.5}, {"name": "faq", "confidence": 0.4}]
    parsed = parse(component, "do u get punished for relapsing", intent="risk_self_harm", confidence=0.5,
                   ranking=ranking)
    assert parsed["intent"]["name"] == "faq"
    assert not parsed["risk"]["is_risk"] and not entity_values(parsed)


def test_classifier_is_overruled_when_the_detector_read_it_as_harmless(component):
    ranking = [{"name": "risk_suicide", "confidence": 0.7}, {"name": "affirm", "confidence": 0.2}]
    parsed = parse(component, "i'm not suicidal", intent="risk_suicide", confidence=0.7, ranking=ranking)
    assert parsed["intent"]["name"] == "affirm"
    assert not parsed["risk"]["is_risk"]
    assert parsed["risk"]["classifier_overruled"] == "risk_suicide"
    assert not entity_values(parsed)


def test_ordinary_messages_carry_a_negative_verdict_and_no_entities(component):
    parsed = parse(component, "how much does the program cost", intent="faq")
    assert parsed["intent"]["name"] == "faq"
    assert parsed["risk"]["is_risk"] is False
    assert not entity_values(parsed)


def test_rules_change_changes_the_fingerprint(tmp_path, monkeypatch):
    from bot.core.risk import detector as det

    copy = tmp_path / "rules.yml"
    copy.write_bytes(det.RULES_PATH.read_bytes())
    before = det.rules_fingerprint(copy)
    copy.write_text(copy.read_text() + "\n# a reviewed change\n")
    assert det.rules_fingerprint(copy) != before
    assert RiskSignalDetector.fingerprint_addon({}) == det.rules_fingerprint()


def parse_with_model(component, text, score, category="suicide", intent="faq"):
    message = Message(data={"text": text})
    top = {"name": intent, "confidence": 0.6}
    message.set("intent", top, add_to_output=True)
    message.set("intent_ranking", [top, {"name": "greet", "confidence": 0.05}], add_to_output=True)
    message.set("risk_model", {"score": score, "category": category}, add_to_output=True)
    component.process([message])
    return message.as_dict(only_output_properties=True)


@pytest.fixture(scope="module")
def with_model(detector):
    return RiskSignalDetector(detector, model_escalate=0.9, model_check=0.75)


def test_the_classifier_alone_is_not_heard_where_the_model_would_not_even_ask(detector):
    component = RiskSignalDetector(detector, model_escalate=0.7, model_check=0.45)

    def classified(text, score):
        message = Message(data={"text": text})
        ranking = [{"name": "risk_self_harm", "confidence": 0.77}, {"name": "inform", "confidence": 0.1}]
        message.set("intent", ranking[0], add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
        message.set("risk_model", {"score": score, "category": "self_harm"}, add_to_output=True)
        component.process([message])
        return message.as_dict(only_output_properties=True)

    parsed = classified("im mad at myself", 0.18)  # the gate set's one classifier false alarm
    assert not parsed["risk"]["is_risk"] and parsed["intent"]["name"] == "inform"
    assert parsed["risk"]["classifier_overruled"] == "risk_self_harm"
    parsed = classified("pulled my stitches out on purpose and now its bleeding again", 0.6)
    assert parsed["risk"]["is_risk"] and parsed["risk"]["source"] == "classifier"


class AskedIfSafe:
    """The conversation as the crisis follow-up leaves it: "Are you safe right now?" asked."""
    active_loop_name = "crisis_followup_form"

    @staticmethod
    def get_slot(name):
        return {"requested_slot": "crisis_safety"}.get(name)


@pytest.mark.parametrize("text", ["I don't feel safe", "im not safe", "no, I'm not safe"])
def test_not_safe_in_answer_to_are_you_safe_is_left_to_the_follow_up(detector, text):
    """The learned model read "I don't feel safe" as an overdose (0.80): the overdose reply, 911 only, answered
    someone who had just said they wanted to die. Asked if safe, the follow-up answers it (911 and 988 again)."""
    component = RiskSignalDetector(detector, model_escalate=0.7, model_check=0.45)
    message = Message(data={"text": text})
    ranking = [{"name": "deny", "confidence": 0.6}, {"name": "feeling_safe", "confidence": 0.3}]
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    message.set("risk_model", {"score": 0.9, "category": "overdose"}, add_to_output=True)
    component.process([message], AskedIfSafe())
    parsed = message.as_dict(only_output_properties=True)
    assert not parsed["risk"]["is_risk"] and parsed["risk"]["followup_answer"]["answer"] == "not_safe"
    assert not parsed["intent"]["name"].startswith("risk_")
    # Anywhere else the model is heard; and in the answer, the rules still escalate what is new.
    elsewhere = Message(data={"text": text})
    elsewhere.set("risk_model", {"score": 0.9, "category": "overdose"}, add_to_output=True)
    component.process([elsewhere])
    assert elsewhere.as_dict(only_output_properties=True)["risk"]["is_risk"]
    new = Message(data={"text": "not safe, i took the whole bottle"})
    new.set("risk_model", {"score": 0.9, "category": "overdose"}, add_to_output=True)
    component.process([new], AskedIfSafe())
    assert new.as_dict(only_output_properties=True)["risk"]["source"] == "detector"


def test_a_confident_model_escalates_what_the_rules_missed(with_model):
    parsed = parse_with_model(with_model, "gonna be my last group thursday, already wrote the letters", 0.95)
    assert parsed["intent"]["name"] == "risk_suicide" and parsed["risk"]["source"] == "model"
    assert entity_values(parsed)["risk_urgency"] == "urgent"


def test_an_unsure_model_asks_directly(with_model):
    parsed = parse_with_model(with_model, "whats the point of the evening group for someone like me", 0.8,
                              category="suicide")
    assert parsed["intent"]["name"] == "risk_check"
    assert entity_values(parsed) == {"risk_category": "suicide", "risk_urgency": "check", "risk_subject": "self"}


def test_a_low_model_score_changes_nothing(with_model):
    parsed = parse_with_model(with_model, "how much is the evening group", 0.4)
    assert parsed["intent"]["name"] == "faq" and not parsed["risk"]["is_risk"]


def test_the_rules_override_the_model_for_idioms_and_the_past(with_model):
    for text in ("my boss is gonna kill me if im late", "i overdosed back in 2015, none since",
                 "do you help people who had suicidal thoughts"):
        parsed = parse_with_model(with_model, text, 0.99, category="overdose")
        assert not parsed["risk"]["is_risk"], text


@pytest.fixture(scope="module")
def heard_when_sure(detector):
    return RiskSignalDetector(detector, model_escalate=0.7, model_check=0.35, model_overrules_set_aside=0.95)


@pytest.mark.parametrize("text, category, reason", [
    ("not suicidal. but I have a razor blade out and I'm about to cut. need help not to", "self_harm", "negated"),
    ("narcan did nothing. hes still not breathing right. were in the stairwell", "overdose", "negated"),
    ("he says he'll kill me if I leave. still living with him", "abuse", "idiom"),
    # Short: heard since the model reads negation (session 13; the trained model scores these 1.0 and 0.99).
    ("narcan did nothing. hes still not breathing right", "overdose", "negated"),
    ("dad said he'll kill me when i get home. im 15", "abuse", "idiom"),
])
def test_a_phrase_set_aside_does_not_silence_a_crisis_the_model_is_sure_of(heard_when_sure, text, category, reason):
    assert reason in heard_when_sure.detector.detect(text).set_aside  # the rules alone let it pass
    parsed = parse_with_model(heard_when_sure, text, 0.99, category=category)
    assert parsed["intent"]["name"] == f"risk_{category}" and parsed["risk"]["source"] == "model"
    assert set(parsed["risk"]["model_overruled"]) == {reason}
    assert entity_values(parsed)["risk_urgency"] == "urgent"


@pytest.mark.parametrize("text", ["i dont think im suicidal", "i'm not going to kill myself",
                                  "i dont think im in withdrawal, i feel fine"])
def test_a_short_denial_is_not_overruled_below_the_bar(heard_when_sure, text):
    # The model reads negation (bot/core/risk/model.mark_negation): the trained model scores these 0.45, 0.41 and
    # 0.18, where it scored them 0.97-1.0 before; under the bar the rules' set-aside stands.
    parsed = parse_with_model(heard_when_sure, text, 0.45, category="suicide")
    assert not parsed["risk"]["is_risk"] and parsed["intent"]["name"] == "faq", text


def test_below_the_overrule_bar_the_rules_set_aside_still_wins(heard_when_sure):
    for text in ("my boss is gonna kill me if im late again this week, he already warned me twice",
                 "i'm not suicidal, just really stressed about money and the rent is due on friday",
                 "do you help people who had suicidal thoughts a few years ago and are doing better now"):
        assert len(text.split()) >= 12 and heard_when_sure.detector.detect(text).set_aside, text
        parsed = parse_with_model(heard_when_sure, text, 0.9, category="suicide")
        assert not parsed["risk"]["is_risk"] and parsed["intent"]["name"] == "faq", text


def test_the_model_names_someone_else_at_risk(with_model):
    parsed = parse_with_model(with_model, "my son gave his xbox away and said he wont need it after friday", 0.95)
    assert entity_values(parsed)["risk_subject"] == "other"


@pytest.mark.parametrize("text", ["and", "he", "my", "me", "so and", "i and", "also"])
def test_function_words_alone_are_never_a_crisis_for_the_model_or_the_classifier(with_model, text):
    """A sure model or classifier on a message of function words only: their weights come from the long
    messages those words sit in. 13 of 318 such words alone got the crisis reply."""
    assert not parse_with_model(with_model, text, 0.99, category="medical_emergency")["risk"]["is_risk"]
    ranking = [{"name": "risk_suicide", "confidence": 0.9}, {"name": "affirm", "confidence": 0.05}]
    parsed = parse(with_model, text, intent="risk_suicide", confidence=0.9, ranking=ranking)
    assert not parsed["risk"]["is_risk"] and parsed["intent"]["name"] == "affirm"


@pytest.mark.parametrize("text", ["💊💊💊", "911", "kms", "and then i took them all", "i give up", "i am done",
                                  "never again", "i am alone", "nothing", "enough", "myself"])
def test_a_message_with_any_content_is_still_scored(with_model, text):
    assert parse_with_model(with_model, text, 0.99, category="overdose")["risk"]["is_risk"]


# ---- history the screen asks for (bot/core/risk/screen_context.py) ----
def screen_tracker(question):
    from rasa.shared.core.events import ActiveLoop, SlotSet
    from rasa.shared.core.slots import AnySlot
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("screen-test", slots=[AnySlot("requested_slot", mappings=[])])
    tracker.update(ActiveLoop("screening_form"))
    tracker.update(SlotSet("requested_slot", question))
    return tracker


def parse_in_screen(component, text, question, intent="inform"):
    message = Message(data={"text": text})
    top = {"name": intent, "confidence": 0.6}
    message.set("intent", top, add_to_output=True)
    message.set("intent_ranking", [top, {"name": "faq", "confidence": 0.2}], add_to_output=True)
    component.process([message], tracker=screen_tracker(question) if question else None)
    return message.as_dict(only_output_properties=True)


@pytest.mark.parametrize("question,text", [
    ("screening_withdrawal", "yeah had a seizure last month when i stopped the xanax"),
    ("screening_withdrawal", "i see things when i stop drinking"),
    ("screening_withdrawal", "yes DTs twice, the last time i quit"),
    ("screening_home", "my ex used to hit me but hes gone, its safe now"),
])
def test_history_the_screen_asks_for_is_an_answer(component, question, text):
    alone = parse_in_screen(component, text, None)
    assert alone["risk"]["is_risk"], "outside the screen these words escalate: the test must show the difference"
    parsed = parse_in_screen(component, text, question)
    assert not parsed["risk"]["is_risk"]
    assert parsed["risk"]["screen_history"]["question"] == question
    assert parsed["intent"] == {"name": "inform", "confidence": 1.0}
    assert not entity_values(parsed)


@pytest.mark.parametrize("question,text", [
    ("screening_withdrawal", "i'm shaking and seeing bugs right now"),  # happening now
    ("screening_withdrawal", "had a seizure this morning when i stopped"),  # recent
    ("screening_withdrawal", "seeing bugs on the walls"),  # no time said
    ("screening_withdrawal", "had a seizure last year, and i want to kill myself tonight"),  # another category
    ("screening_medical", "i see things when i stop drinking"),  # not the history this question asks for
    ("screening_home", "he hits me every day"),  # habitual is history only for the withdrawal question
    ("screening_home", "he hit me last night and he is still here"),
    ("screening_substances", "had a seizure last month when i stopped the xanax"),
])
def test_danger_now_or_another_danger_still_escalates_in_the_screen(component, question, text):
    parsed = parse_in_screen(component, text, question)
    assert parsed["risk"]["is_risk"], text
    assert parsed["intent"]["name"].startswith("risk_")
    assert "screen_history" not in parsed["risk"]


@pytest.fixture(scope="module")
def corroborating(detector):
    return RiskSignalDetector(detector, model_escalate=0.9, model_check=0.75, corroborate_below=0.1,
                              corroborate_min_words=12, corroborate_now_below=0.01)


LONG_HISTORY = ("My husband's friend from AA died last week of an overdose, and my husband is sad but steady. "
                "Do you have a grief group for families?")


def test_a_lone_weak_rule_hit_that_the_model_reads_as_ordinary_is_set_aside(corroborating):
    parsed = parse_with_model(corroborating, LONG_HISTORY, 0.03, intent="faq")
    assert parsed["risk"]["is_risk"] is False and parsed["risk"]["uncorroborated"] == ["overdose.word"]
    assert parsed["intent"]["name"] == "faq" and not entity_values(parsed)


@pytest.mark.parametrize("text,score", [
    (LONG_HISTORY, 0.2),  # the model is not sure it is ordinary
    ("my friend overdosed. idk what to do", 0.01),  # too short for the model's reading to count
    # Happening now: left to the model only when it is near certain (under 0.01); it scored this 0.02-0.03 (the gate
    # set, tests/risk/corpus.yml).
    ("the dts are starting i can feel it, last time i ended up in the icu", 0.02),
    # Per sentence: the hit's sentence says no time, another says tomorrow: the message's "now" holds (the model
    # scored it 0.07; reading "now" only in the hit's sentence would have set it aside).
    ("tomorrow is the anniversary of my son's overdose. i plan to join him. i still have his leftover pills", 0.07),
    # A first disclosure is told now, however long ago it happened: the gate set's message, which the model scored
    # 0.037 in session 13 (a story told and dealt with is set aside: LONG_HISTORY above, and the test below).
    ("when i was 8 my babysitter molested me and ive never told anyone", 0.03),
    ("I was raped in college more than ten years ago and I have not told anybody", 0.03),
    # A suicide rule is never set aside, whatever the model says.
    ("I keep thinking about suicide lately and I have the pills in the drawer, anyway what time is group", 0.001),
])
def test_the_rules_still_escalate_when_the_model_does_not_plainly_contradict_them(corroborating, text, score):
    parsed = parse_with_model(corroborating, text, score)
    assert parsed["risk"]["is_risk"] is True and parsed["intent"]["name"].startswith("risk_")


def test_a_weak_hit_told_as_history_is_set_aside_though_another_sentence_is_in_the_present(corroborating):
    """The message is "now" ("I'm remarried now"), the hit's own sentence is history ("used to"): a false alarm
    of blind21a until session 10. Chosen on leave-one-writer-out folds (14 fewer false alarms, no crisis lost)."""
    text = ("My ex used to hit me. That was 6 years ago and I'm remarried to a good man now. Should I tell my "
            "counselor about it?")
    parsed = parse_with_model(corroborating, text, 0.04, intent="faq")
    assert parsed["risk"]["is_risk"] is False and parsed["risk"]["uncorroborated"] == ["abuse.disclosure"]
    # The same history beside a danger now in the hit's sentence escalates.
    parsed = parse_with_model(corroborating, "My ex used to hit me and he hit me again last night, I'm scared to go "
                                             "home and I don't know what to do", 0.04)
    assert parsed["risk"]["is_risk"] is True


def test_no_model_score_never_sets_a_rule_aside(corroborating):
    parsed = parse(corroborating, LONG_HISTORY)
    assert parsed["risk"]["is_risk"] is True


def test_a_weak_hit_said_to_happen_now_is_set_aside_only_when_the_model_is_near_certain(corroborating):
    """The detector's "now" is any present-tense marker: "safe now", "I'm writing". Where the model reads such a
    message as ordinary with near certainty (under corroborate_now_below), the weak rule's lone hit is set aside:
    false alarms 16.2% -> 14.7% on leave-writers-out folds, no crisis lost (session 11, config.yml)."""
    text = ("I'm writing a novel where a character relapses and overdoses. Would a counselor be willing to answer "
            "some research questions?")
    parsed = parse_with_model(corroborating, text, 0.005, intent="faq")
    assert parsed["risk"]["is_risk"] is False and parsed["risk"]["uncorroborated"] == ["overdose.word"]
    assert parsed["intent"]["name"] == "faq"
    assert parse_with_model(corroborating, text, 0.03)["risk"]["is_risk"] is True


def test_a_danger_without_a_name_keeps_the_rules_reading_and_is_an_answer_when_asked(detector):
    """"i dont feel safe" alone: the rules' danger without a name (every number in the reply), not the model's
    guess of a category (it read these words as an overdose); asked "are you safe?", it is the follow-up's answer."""
    component = RiskSignalDetector(detector, model_escalate=0.7, model_check=0.45)
    first = Message(data={"text": "i dont feel safe"})
    first.set("risk_model", {"score": 0.89, "category": "overdose"}, add_to_output=True)
    component.process([first])
    parsed = first.as_dict(only_output_properties=True)
    assert (parsed["risk"]["is_risk"], parsed["risk"]["source"], parsed["intent"]["name"]) == (True, "detector",
                                                                                              "risk_abuse")
    assert entity_values(parsed) == {"risk_category": "abuse", "risk_urgency": "imminent", "risk_subject": "unclear"}
    answer = Message(data={"text": "no im not safe"})
    answer.set("risk_model", {"score": 0.2, "category": "overdose"}, add_to_output=True)
    component.process([answer], AskedIfSafe())
    parsed = answer.as_dict(only_output_properties=True)
    assert not parsed["risk"]["is_risk"] and parsed["risk"]["followup_answer"]["answer"] == "not_safe"


def test_a_danger_without_a_name_told_with_more_takes_the_model_s_category(detector):
    component = RiskSignalDetector(detector, model_escalate=0.7, model_check=0.45)
    message = Message(data={"text": "no im not safe. my dealer says i owe him and hes outside with his boys"})
    message.set("risk_model", {"score": 0.99, "category": "violence"}, add_to_output=True)
    component.process([message])
    parsed = message.as_dict(only_output_properties=True)
    assert entity_values(parsed) == {"risk_category": "violence", "risk_urgency": "imminent", "risk_subject": "unclear"}
    assert parsed["risk"]["also"] == []  # the stand-in category adds no line of its own
