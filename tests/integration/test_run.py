"""`make run`'s servers for real: they answer on REST, escalate, and stop together on SIGTERM.

Needs the trained model (models/CURRENT), so `make test` runs this after training.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, sender: str, message: str):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                 data=json.dumps({"sender": sender, "message": message}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not (ROOT / "models" / "CURRENT").exists():
        pytest.fail("no trained model: run `make train` first")
    tmp = tmp_path_factory.mktemp("run")
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
           "DATABASE_URL": f"sqlite:///{tmp / 'iop.db'}", "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}"}
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot.storage.migrate"], env=env, check=True, cwd=ROOT)
    log = open(tmp / "run.log", "w")
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("run.sh exited early:\n" + Path(tmp / "run.log").read_text()[-3000:])
        if "is running" in (tmp / "run.log").read_text():
            break
        time.sleep(1)
    else:
        proc.kill()
        pytest.fail("servers did not start in time")
    yield {"proc": proc, "rasa": rasa_port, "action": action_port, "db": tmp / "iop.db", "log": tmp / "run.log"}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)


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


def test_an_ordinary_question_carries_no_escalation(servers):
    replies = post(servers["rasa"], "it-faq", "how long does the program last")
    assert replies and not any("custom" in r for r in replies)


def run_screen(port, sender, answers):
    post(port, sender, "is iop right for me")
    replies = []
    for answer in answers:
        replies = post(port, sender, answer)
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


def test_a_crisis_mid_screen_escalates_and_the_screen_stops(servers):
    port = servers["rasa"]
    post(port, "it-screen-crisis", "is iop right for me")
    post(port, "it-screen-crisis", "alcohol")
    replies = post(port, "it-screen-crisis", "honestly i just want to die")
    assert any(r.get("custom", {}).get("escalation", {}).get("category") == "suicide" for r in replies)
    assert not any("How often do you use" in r.get("text", "") for r in replies)  # the form does not resume


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


def raw_post(port: int, body: bytes):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b'{"message": "hi"}', b'{"sender": 5, "message": "hi"}',
                                  b'{"sender": "x", "message": 12}'])
def test_bad_requests_get_a_clear_400(servers, body):
    status, answer = raw_post(servers["rasa"], body)
    assert status == 400 and "error" in answer


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_an_empty_message_gets_a_kind_reply(servers, message):
    status, answer = raw_post(servers["rasa"], json.dumps({"sender": "it-empty", "message": message}).encode())
    assert status == 200 and "empty" in answer[0]["text"] and "988" in answer[0]["text"]


def test_a_paused_conversation_stays_quiet_but_still_gets_crisis_resources(servers):
    import asyncio
    import sqlite3

    from rasa.shared.core.events import ConversationPaused

    from bot.storage.tracker_store import UrlSQLTrackerStore

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


def test_sigterm_stops_both_servers(servers):
    proc = servers["proc"]
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    for port in (servers["rasa"], servers["action"]):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
