"""`make run`'s servers for real: they answer on REST, escalate, and stop together on SIGTERM.

Needs the trained model (models/CURRENT), so `make test` runs this after training.
"""
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.servers import API_TOKEN, FakeTwilio, post, sms, start_servers


@pytest.fixture(scope="module")
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory, twilio):
    running = start_servers(tmp_path_factory.mktemp("run"), twilio)
    yield running
    if running["proc"].poll() is None:
        os.killpg(running["proc"].pid, signal.SIGKILL)


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_hi_gets_the_greeting_with_the_clinic_name(servers):
    replies = post(servers["rasa"], "it-greet", "hi")
    said = texts(replies)
    assert "Harbor Light Recovery" in said and "not a person or a clinician" in said and "911" in said


def test_a_crisis_message_escalates_and_records_an_urgent_handoff(servers):
    import sqlite3

    replies = post(servers["rasa"], "it-crisis", "i took all my pills an hour ago")
    payloads = [r["custom"] for r in replies if "custom" in r]
    assert payloads == [{"escalation": {"category": "overdose", "urgency": "imminent"}}]
    assert "911" in texts(replies) and "1-800-222-1222" in texts(replies)
    rows = sqlite3.connect(servers["db"]).execute(
        "select category, urgency, status from handoffs where conversation_id = 'it-crisis'").fetchall()
    assert rows == [("overdose", "imminent", "waiting")]


def test_a_crisis_message_in_spanish_gets_the_spanish_crisis_reply(servers):
    """The Spanish gate's `language` slot picks domain.yml's Spanish variations in the Rasa server's rendering."""
    replies = post(servers["rasa"], "it-crisis-es", "me quiero morir, ya no puedo más")
    assert [r["custom"] for r in replies if "custom" in r] == [{"escalation": {"category": "suicide",
                                                                              "urgency": "urgent"}}]
    said = texts(replies)
    assert said.startswith("Me alegra mucho que me lo haya dicho.")
    assert "llame al 988 y oprima 2" in said and "llame al 911" in said and "¿Está a salvo ahora mismo?" in said
    assert "asistente automático" in said and "call" not in said.lower()


def test_an_ordinary_question_carries_no_escalation(servers):
    replies = post(servers["rasa"], "it-faq", "how long does the program last")
    assert replies and not any("custom" in r for r in replies)


def run_screen(port, sender, answers, start=True):
    """Each answer in turn; a one-line confirmation of what the bot read ("So home isn't safe ...?") is
    answered "yes": these answers mean what they say."""
    if start:
        post(port, sender, "is iop right for me")
    confirmations, replies = confirmation_lines(), []
    for answer in answers:
        replies = post(port, sender, answer)
        if replies and replies[-1].get("text") in confirmations:
            replies = post(port, sender, "yes")
    return replies


SCREENS = {
    # substances, frequency, withdrawal, medical, mental health, time, relapse, home
    "detox_first": ["vodka mostly", "like a fifth every day", "yeah i get the shakes bad when i stop", "no", "no",
                    "yes", "no", "yes"],
    "higher_level_of_care": ["meth", "a few times a week", "no", "no", "no", "yes", "yes", "my roommate uses"],
    "iop_may_fit": ["oxy and percs", "every day", "no", "no", "no", "yeah i can do that", "no", "i live alone"],
    "outpatient_may_fit": ["weed", "only on weekends", "nope", "no", "no", "not really", "no", "yes its safe"],
}


@pytest.mark.parametrize("outcome", sorted(SCREENS))
def test_a_whole_screen_in_free_text_gives_the_right_outcome(servers, outcome):
    replies = run_screen(servers["rasa"], f"it-screen-{outcome}", SCREENS[outcome])
    payloads = [r["custom"]["screening"]["outcome"] for r in replies if "screening" in r.get("custom", {})]
    assert payloads == [outcome], replies
    assert "Only an assessment with our clinical team decides" in texts(replies)
    assert not any("escalation" in r.get("custom", {}) for r in replies)


def test_a_second_screen_in_the_same_conversation_starts_from_nothing(servers):
    """The first screen's answers were kept: asking again gave the old result at once, without a question."""
    port, sender = servers["rasa"], "it-screen-twice"
    first = run_screen(port, sender, SCREENS["outpatient_may_fit"])
    assert [r["custom"]["screening"]["outcome"] for r in first if "screening" in r.get("custom", {})] == [
        "outpatient_may_fit"]
    again = post(port, sender, "is iop right for me")
    assert not any("screening" in r.get("custom", {}) for r in again), again
    assert "what do you use?" in texts(again).lower(), again
    second = run_screen(port, sender, SCREENS["detox_first"], start=False)
    assert [r["custom"]["screening"]["outcome"] for r in second if "screening" in r.get("custom", {})] == [
        "detox_first"]


def test_a_statement_mid_screen_is_the_answer_not_an_faq(servers):
    """Read out of context it is a family question (faq, 0.84); while the home question waits it is the
    answer: no FAQ answer, and the screen ends with its result (bot/server/nlu/linear_components.py)."""
    port, sender = servers["rasa"], "it-screen-statement"
    run_screen(port, sender, SCREENS["iop_may_fit"][:-1])
    replies = post(port, sender, "my husband wants to be part of the family program and he doesnt drink")
    if replies and replies[-1].get("text") in confirmation_lines():
        replies = post(port, sender, "yes")
    assert "Family can be a real help" not in texts(replies), replies
    assert any("screening" in r.get("custom", {}) for r in replies), replies


def test_a_crisis_mid_screen_escalates_and_the_screen_stops(servers):
    port = servers["rasa"]
    post(port, "it-screen-crisis", "is iop right for me")
    post(port, "it-screen-crisis", "alcohol")
    replies = post(port, "it-screen-crisis", "honestly i just want to die")
    assert any(r.get("custom", {}).get("escalation", {}).get("category") == "suicide" for r in replies)
    assert not any("How often do you use" in r.get("text", "") for r in replies)  # the form does not resume


def test_after_a_crisis_mid_screen_and_im_safe_the_screen_goes_on_with_the_answer_kept(servers):
    """The crisis reply first; the screen waits while safety is unclear; after "I'm safe" it goes on from the next
    question, the answer that escalated read as the mental-health answer (before, the result was lost)."""
    port, sender = servers["rasa"], "it-screen-resume"
    run_screen(port, sender, ["weed", "a few times a week", "no", "no"])
    crisis = post(port, sender, "hearing voices telling me to kill myself")
    assert any(r.get("custom", {}).get("escalation", {}).get("category") == "suicide" for r in crisis), crisis
    assert "mental-health" not in texts(crisis)
    waiting = post(port, sender, "ok")
    assert "where we left off" not in texts(waiting) and "9 hours" not in texts(waiting), waiting
    back = post(port, sender, "yes im safe now, my sister is here")
    said = texts(back)
    assert "glad you're safe" in said and "where we left off" in said and "9 hours" in said, back
    done = run_screen(port, sender, ["yes", "no", "yes its safe"], start=False)
    outcomes = [r["custom"]["screening"]["outcome"] for r in done if "screening" in r.get("custom", {})]
    assert outcomes == ["higher_level_of_care"], done


def test_seizure_history_answers_the_screen_and_a_seizure_now_escalates(servers):
    """History the withdrawal question asks for is its answer (bot/core/risk/screen_context.py); the same words
    outside the screen, or a seizure happening now inside it, get the crisis reply."""
    port = servers["rasa"]
    history = "yeah had a seizure last month when i stopped the xanax"
    for sender in ("it-screen-history", "it-screen-now"):
        post(port, sender, "is iop right for me")
        post(port, sender, "xanax")
        post(port, sender, "every day")
    replies = post(port, "it-screen-history", history)
    assert not any("escalation" in r.get("custom", {}) for r in replies), replies
    # Taken as the answer: the next question, or the one-line confirmation of a middling reading.
    assert "medical problem" in texts(replies) or "had a seizure or DTs?" in texts(replies), replies
    replies = post(port, "it-screen-now", "i'm shaking and seeing bugs right now, stopped the xanax yesterday")
    assert any(r.get("custom", {}).get("escalation") for r in replies), replies
    replies = post(port, "it-no-screen", history)
    assert any(r.get("custom", {}).get("escalation") for r in replies), replies


def test_two_questions_in_one_message_get_both_answers(servers):
    """The second question has no keyword of its topic: the NLU's reading of each segment names it."""
    replies = post(servers["rasa"], "it-two-questions", "do you take medicaid? and when could i begin")
    said = texts(replies)
    assert "check your benefits" in said and "next opening" in said, replies
    # In the order asked, whichever topic the model found likelier for the whole message.
    assert said.index("check your benefits") < said.index("next opening"), replies
    said = texts(post(servers["rasa"], "it-two-questions-2", "how soon can i start? and do you take aetna"))
    assert said.index("next opening") < said.index("check your benefits"), said


def test_a_callback_request_is_stored(servers):
    import sqlite3

    port = servers["rasa"]
    run_screen(port, "it-callback", SCREENS["iop_may_fit"])
    post(port, "it-callback", "please call me back")
    post(port, "it-callback", "my number is 617 555 0199")
    post(port, "it-callback", "weekday mornings")
    replies = post(port, "it-callback", "yes")
    assert "will call you" in texts(replies)
    rows = sqlite3.connect(servers["db"]).execute(
        "select phone, best_time, screening_outcome, status from callback_requests where conversation_id = "
        "'it-callback'").fetchall()
    assert rows == [("+16175550199", "weekday mornings", "iop_may_fit", "new")]
    stored = sqlite3.connect(servers["db"]).execute(
        "select outcome, answers from screening_results where conversation_id = 'it-callback'").fetchall()
    assert stored[0][0] == "iop_may_fit" and "oxy" not in stored[0][1]  # categories, never the free text


def raw_post(port: int, body: bytes, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b'{"message": "hi"}', b'{"sender": 5, "message": "hi"}',
                                  b'{"sender": "x", "message": 12}',
                                  b'{"sender": "+1 617 555 0142", "message": "hi"}'])
def test_bad_requests_get_a_clear_400(servers, body):
    status, answer = raw_post(servers["rasa"], body)
    assert status == 400 and "error" in answer


def test_a_live_channel_cannot_open_a_test_conversation(servers):
    """The console keeps the staff shell's test conversations out of the live queue: a live caller using such an
    id would have a crisis hidden there, so the REST channel refuses it (the widget's ids are checked too)."""
    from bot.core.ids import TEST_PREFIX, is_web_session_id

    status, answer = raw_post(servers["rasa"], json.dumps({"sender": f"{TEST_PREFIX}0123456789abcdef",
                                                          "message": "i want to kill myself"}).encode())
    assert status == 400 and TEST_PREFIX in answer["error"]
    assert not is_web_session_id(f"{TEST_PREFIX}0123456789abcdef") and is_web_session_id("0123456789abcdef0a")


def test_a_rest_client_opts_in_to_a_test_conversation_only_with_the_api_token(servers):
    """Issue 25: a staff tool on the REST channel marks its conversation as a test ("test": true); without the
    server's API token that is refused, so no caller's crisis can be filed away from the live queue."""
    import sqlite3

    crisis = {"sender": "it-rest-test", "message": "i want to kill myself", "test": True, "input_channel": "twilio"}
    status, answer = raw_post(servers["rasa"], json.dumps(crisis).encode())
    assert status == 403 and "API token" in answer["error"]
    status, answer = raw_post(servers["rasa"], json.dumps(crisis).encode(), {"Authorization": "Bearer wrong"})
    assert status == 403
    status, answer = raw_post(servers["rasa"], json.dumps({**crisis, "test": "yes"}).encode())
    assert status == 400
    status, answer = raw_post(servers["rasa"], json.dumps(crisis).encode(), {"Authorization": f"Bearer {API_TOKEN}"})
    assert status == 200 and "988" in texts(answer)  # the same crisis reply a caller gets
    assert [r["custom"] for r in answer if "custom" in r][0]["escalation"]["category"] == "suicide"
    rows = sqlite3.connect(servers["db"]).execute(
        "select conversation_id, channel from handoffs where conversation_id like '%it-rest-test'").fetchall()
    # Filed as a test (the console's Test filter), under the REST channel whatever the body claims.
    assert rows == [("staff-test-rest-it-rest-test", "rest")]


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_an_empty_message_gets_a_kind_reply(servers, message):
    status, answer = raw_post(servers["rasa"], json.dumps({"sender": "it-empty", "message": message}).encode())
    assert status == 200 and "empty" in answer[0]["text"] and "988" in answer[0]["text"]


def test_a_paused_conversation_stays_quiet_but_still_gets_crisis_resources(servers):
    import asyncio
    import sqlite3

    from rasa.shared.core.events import ConversationPaused

    from bot.server.tracker_store import UrlSQLTrackerStore

    port = servers["rasa"]
    post(port, "it-paused", "hi")
    store = UrlSQLTrackerStore(url=f"sqlite:///{servers['db'].parent / 'tracker.db'}")
    tracker = asyncio.run(store.retrieve("it-paused"))
    tracker.update(ConversationPaused())  # what a staff member taking over does
    asyncio.run(store.save(tracker))

    assert post(port, "it-paused", "how much does it cost") == []  # the person on staff answers this one
    replies = post(port, "it-paused", "i want to kill myself")
    assert [r["custom"] for r in replies if "custom" in r] == [{"escalation": {"category": "suicide",
                                                                              "urgency": "urgent"}}]
    assert "988" in texts(replies)
    rows = sqlite3.connect(servers["db"]).execute(
        "select reason, urgency from handoffs where conversation_id = 'it-paused'").fetchall()
    assert rows == [("risk", "urgent")]


@pytest.mark.parametrize("how", ["unsigned", "wrong token"])
def test_sms_without_a_valid_signature_is_refused_and_not_processed(servers, twilio, how):
    phone = "+16175550201" if how == "unsigned" else "+16175550202"
    status = sms(servers["rasa"], phone, "hi", sign=how != "unsigned", token="not-the-token")
    assert status == 403
    time.sleep(1)
    assert twilio.to(phone) == []


def test_sms_without_body_or_from_gets_400(servers):
    assert sms(servers["rasa"], None, None, fields={"From": "+16175550203"}) == 400
    assert sms(servers["rasa"], None, None, fields={"Body": "hi"}) == 400


def twilio_fields(sender, body, **extra):
    """The field set Twilio posts for an incoming text, blanks included (cities and zips are often unknown)."""
    fields = {"ToCountry": "US", "ToState": "MA", "SmsMessageSid": "SM" + "2" * 32, "NumMedia": "0", "ToCity": "",
              "FromZip": "", "SmsSid": "SM" + "2" * 32, "FromState": "MA", "SmsStatus": "received", "FromCity": "",
              "Body": body, "FromCountry": "US", "To": "+16175550100", "ToZip": "", "NumSegments": "1",
              "ReferralNumMedia": "0", "MessageSid": "SM" + "2" * 32, "AccountSid": "AC" + "0" * 32,
              "From": sender, "ApiVersion": "2010-04-01"}
    fields.update(extra)
    return fields


def test_a_signed_text_with_twilios_blank_fields_is_answered(servers, twilio):
    """Sanic drops blank form values; Twilio signs them: they must be kept or every such text gets 403."""
    phone = "+16175550214"
    assert sms(servers["rasa"], phone, None, fields=twilio_fields(phone, "do you take my insurance")) == 200
    (reply,) = twilio.to(phone)
    assert "MassHealth" in reply


def test_a_picture_only_text_gets_a_kind_answer_with_the_numbers(servers, twilio):
    phone = "+16175550215"
    fields = twilio_fields(phone, "", NumMedia="1", MediaContentType0="image/jpeg",
                           MediaUrl0="https://example.invalid/media/1")
    assert sms(servers["rasa"], phone, None, fields=fields) == 200
    (reply,) = twilio.to(phone)
    assert "only read text" in reply and "911" in reply and "988" in reply


def test_sms_greeting_uses_the_sms_variant_without_the_program_name(servers, twilio):
    phone = "+16175550204"
    assert sms(servers["rasa"], phone, "hi") == 200
    (reply,) = twilio.to(phone)
    assert "automated" in reply and "988" in reply and "Harbor Light" not in reply and len(reply) <= 306


def test_stop_opts_out_with_one_confirmation_and_start_opts_back_in(servers, twilio):
    import sqlite3

    port, phone = servers["rasa"], "+16175550205"
    sms(port, phone, "STOP")
    assert len(twilio.to(phone)) == 1 and "988" in twilio.to(phone)[0] and "START" in twilio.to(phone)[0]
    sms(port, phone, "do you take my insurance")
    assert len(twilio.to(phone)) == 1  # nothing more until they opt back in
    assert sqlite3.connect(servers["db"]).execute(
        "select opted_out from sms_opt_outs where phone = ?", (phone,)).fetchall() == [(1,)]
    sms(port, phone, "START")
    assert len(twilio.to(phone)) == 2 and "resubscribed" in twilio.to(phone)[1]
    sms(port, phone, "do you take my insurance")
    assert len(twilio.to(phone)) > 2  # answered again (what the answer says is the NLU checks' business)


def test_plain_language_opt_out_and_help(servers, twilio):
    port = servers["rasa"]
    sms(port, "+16175550206", "please stop texting me")
    assert "unsubscribed" in twilio.to("+16175550206")[0]
    sms(port, "+16175550207", "HELP")
    assert "(617) 555-0142" in twilio.to("+16175550207")[0] and "988" in twilio.to("+16175550207")[0]


def test_an_escalation_by_sms_is_plain_text_with_the_numbers(servers, twilio):
    phone = "+16175550208"
    sms(servers["rasa"], phone, "i want to kill myself")
    body = " ".join(twilio.to(phone))
    assert "988" in body and "911" in body and "escalation" not in body and "{" not in body


def test_a_crisis_text_in_spanish_gets_the_spanish_reply_with_the_numbers_in_the_first_text(servers, twilio):
    from bot.core.sms import formatting

    phone = "+16175550290"
    sms(servers["rasa"], phone, "me quiero morir, ya no puedo más")
    parts = twilio.to(phone)
    assert 1 <= len(parts) <= 3 and all(formatting.segments(p) <= 2 for p in parts), parts
    assert "911" in parts[0][:67] and "988" in parts[0][:67] and "oprima 2" in parts[0], parts
    assert "escalation" not in " ".join(parts) and "{" not in " ".join(parts)
    sms(servers["rasa"], "+16175550291", "no más")
    (confirmation,) = twilio.to("+16175550291")
    assert confirmation.startswith("Ya no recibirá mensajes") and "988" in confirmation


def test_numbered_choices_by_sms(servers, twilio):
    port, phone = servers["rasa"], "+16175550209"
    # A training example of telling about one's use, far from any FAQ topic ("i drink every day" read as the
    # detox-first question on another machine's model, issue 22): what is tested is the numbering.
    sms(port, phone, "i smoke pot every day")
    assert "Reply with a number: 1) Is IOP right for me?" in twilio.to(phone)[-1]
    sms(port, phone, "1")
    assert "2-minute check" in twilio.to(phone)[-1]


def test_a_whole_screening_by_sms(servers, twilio):
    import sqlite3

    port, phone = servers["rasa"], "+16175550210"
    for body in ["is iop right for me", "weed", "2", "2", "2", "2", "1", "2", "1"]:
        assert sms(port, phone, body) == 200
    assert "standard outpatient" in " ".join(twilio.to(phone))
    rows = sqlite3.connect(servers["db"]).execute(
        "select outcome, channel from screening_results where conversation_id = ?", (phone,)).fetchall()
    assert rows == [("outpatient_may_fit", "twilio")]


def test_a_slash_message_still_passes_the_risk_detector(servers):
    replies = post(servers["rasa"], "it-slash", "/i want to kill myself")
    assert any("escalation" in r.get("custom", {}) for r in replies)


def api(servers, path, token=API_TOKEN, method="GET", body=None):
    url = f"http://127.0.0.1:{servers['rasa']}{path}" + (f"?token={token}" if token else "")
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, None


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_the_http_api_needs_the_token(servers, token):
    post(servers["rasa"], "it-api", "hi")
    assert api(servers, "/conversations/it-api/tracker", token=token)[0] == 401
    status, tracker = api(servers, "/conversations/it-api/tracker")
    assert status == 200 and tracker["sender_id"] == "it-api"


def test_delete_my_chat_erases_the_transcript_and_the_answers(servers):
    import sqlite3

    sender = "it-delete"
    run_screen(servers["rasa"], sender, SCREENS["iop_may_fit"])
    db = sqlite3.connect(servers["db"])
    assert db.execute("select count(*) from screening_results where conversation_id = ?", (sender,)).fetchone()[0]
    asked = texts(post(servers["rasa"], sender, "delete my chat"))
    assert "delete this conversation" in asked
    done = texts(post(servers["rasa"], sender, "yes, delete it"))
    assert "deleted this conversation" in done and "988" in done
    assert db.execute("select count(*) from screening_results where conversation_id = ?", (sender,)).fetchone()[0] == 0
    tracker_db = sqlite3.connect(servers["tracker_db"])
    assert tracker_db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0] == 0
    # The person can start again; the old answers are gone from the new conversation too.
    assert "Harbor Light Recovery" in texts(post(servers["rasa"], sender, "hi"))
    status, tracker = api(servers, f"/conversations/{sender}/tracker")
    assert status == 200 and tracker["slots"].get("screening_outcome") is None


def test_logs_hold_no_message_text_and_no_full_phone_number(servers, twilio):
    secret = "my neighbour Zebulon Quartermaine sells pills"
    post(servers["rasa"], "it-logs", secret)
    post(servers["rasa"], "it-logs", "call me at 617 555 0199 or zq@example.org")
    sms(servers["rasa"], "+16175550177", "hello Zebulon Quartermaine")
    time.sleep(1)
    log = servers["log"].read_text()
    assert "Quartermaine" not in log and "zq@example.org" not in log
    assert "555 0199" not in log and "6175550177" not in log and API_TOKEN not in log


def test_a_risk_phrase_past_the_length_cap_still_escalates(servers):
    filler = "I was reading your website about groups and schedules and insurance for a while. " * 150
    replies = post(servers["rasa"], "it-long", filler + "Anyway I took all my pills an hour ago.")
    assert any(r.get("custom", {}).get("escalation", {}).get("category") == "overdose" for r in replies)


def test_a_message_too_big_to_read_is_refused_clearly(servers):
    status, answer = raw_post(servers["rasa"], json.dumps({"sender": "it-huge", "message": "a" * 300_000}).encode())
    assert status == 413 and "too long" in answer["error"]


@pytest.mark.parametrize("message", ["\x00\x07hi\x1b[31m", "<script>alert(1)</script> do you take medicaid",
                                     "{program_phone} {{ 7*7 }} ${HOME}", "🙏🙏🙏", "什么是门诊治疗",
                                     "hola, necesito ayuda con mi adicción", "a" * 5000])
def test_odd_input_gets_a_reply_not_an_error(servers, message):
    status, answer = raw_post(servers["rasa"], json.dumps({"sender": "it-odd", "message": message}).encode())
    assert status == 200 and answer and all("text" in r or "custom" in r for r in answer)
    said = texts(answer)
    assert "<script>" not in said and "${HOME}" not in said and "49" not in said


def test_invalid_utf8_is_a_400(servers):
    status, answer = raw_post(servers["rasa"], b'{"sender": "it-bytes", "message": "\xff\xfe hi"}')
    assert status == 400 and "error" in answer


def confirmation_lines():
    """Each one-line confirmation in the domain ("So no shakes ...?") and the value it confirms."""
    import yaml

    from bot.core.settings import ROOT

    lines = {}
    for variations in yaml.safe_load((ROOT / "domain.yml").read_text())["responses"].values():
        for variation in variations:
            for condition in variation.get("condition") or []:
                # (the Spanish first questions say screening_confirm: null: no confirmation pending)
                if condition.get("name") == "screening_confirm" and condition.get("value") and "channel" not in variation:
                    lines[variation["text"]] = condition["value"].split(":", 1)
    return lines


def test_a_screening_answered_in_own_words_reaches_the_outcome_a_clinician_expects(servers):
    """Issue 18: typed answers were taken as "not sure" and tipped people to detox-first or higher care. A
    person who answers in their own words, and answers a confirmation truthfully, gets the right outcome."""
    person = [("substances", "weed mostly and coke on weekends", None),
              ("frequency", "pretty much every day", "daily"),
              ("withdrawal", "can't sleep and get irritable when I stop the weed, that's it", "no"),
              ("medical", "asthma but its under control", "no"),
              ("mental_health", "adhd, on my meds", "no"),
              ("commitment", "yeah i can make that work around my job", "yes"),
              ("relapse", "never been in treatment before", "no"),
              ("home", "live with my parents, they want me to go, nobody else uses", "safe")]
    expected = {q: v for q, _, v in person}
    confirmations = confirmation_lines()
    buttons = {"daily": "every day", "safe": "yes", "unsafe": "no", "yes": "yes", "no": "no"}
    sender, replies = "it-screen-words", post(servers["rasa"], "it-screen-words", "is iop right for me")
    pending, current, outcome = list(person), None, []
    for _turn in range(30):
        outcome = [r["custom"]["screening"]["outcome"] for r in replies if "screening" in r.get("custom", {})]
        if outcome:
            break
        last = replies[-1].get("text", "")
        if last in confirmations:  # answered truthfully
            question, value = confirmations[last]
            message = "yes" if expected[question] == value else "no"
        elif last.startswith("Sorry, I didn't catch that"):  # the person then presses the button
            message = "weed" if current == "substances" else buttons[expected[current]]
        else:
            current, message, _ = pending.pop(0)
            if current == "frequency" and "How often" not in last:  # answered with the substances already
                current, message, _ = pending.pop(0)
        replies = post(servers["rasa"], sender, message)
    assert outcome == ["iop_may_fit"], replies


def test_the_api_token_is_on_no_command_line(servers):
    """`ps` shows every process's arguments to every local user: the token must not be among them."""
    from pathlib import Path

    assert api(servers, "/status")[0] == 200  # the token works
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes()
        except OSError:
            continue
        assert API_TOKEN.encode() not in args, args.replace(b"\0", b" ")[:200]


# Last: it stops the servers the module shares.
def test_sigterm_stops_both_servers(servers):
    proc = servers["proc"]
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    for port in (servers["rasa"], servers["action"], servers["console"]):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"

