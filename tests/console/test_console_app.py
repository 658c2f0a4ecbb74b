"""The staff console as staff use it, against a stand-in for the Rasa server's HTTP API.

The real Rasa server is used by tests/browser/test_console.py; here each request the console makes to
Rasa is recorded, so what reaches the person (pause, resume, the staff reply) can be checked exactly.
"""
import asyncio
import re
import time
from datetime import timedelta

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.console import auth
from bot.console.app import DB_DOWN, FAILURE_DELAY, create_app
from bot.console.rasa_api import HANDED_BACK, JOINED, RasaClient, RasaUnavailable
from bot.storage.callbacks import find_callbacks, reveals_of
from bot.storage.db import session_scope
from bot.storage.handoffs import actions_of, get_handoff, request_handoff
from bot.storage.models import StaffSession, utcnow
from bot.storage.screening import save_callback
from bot.storage.sms import NOT_TEXTED, record_delivery, set_opted_out

PASSWORD = "a long enough password"
PILLS = "i have the pills in my hand right now"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class FakeRasa:
    """Answers like Rasa 3.6's HTTP API and records what the console asked for."""

    def __init__(self):
        self.calls = []
        self.down = False
        self.delivery = "sent"  # what the SMS line records for a staff reply by text (None: records nothing)
        self.events = {}
        self.app = web.Application()
        self.app.router.add_get("/conversations/{cid}/tracker", self.tracker)
        self.app.router.add_post("/conversations/{cid}/tracker/events", self.append)

    def check(self, request):
        if self.down:
            raise web.HTTPInternalServerError()
        if request.query.get("token") != "secret-token":
            raise web.HTTPUnauthorized()

    async def tracker(self, request):
        self.check(request)
        cid = request.match_info["cid"]
        events = self.events.get(cid, [])
        paused = False
        for e in events:
            paused = {"pause": True, "resume": False}.get(e["event"], paused)
        return web.json_response({"sender_id": cid, "paused": paused, "events": events})

    async def append(self, request):
        self.check(request)
        body = await request.json()
        cid = request.match_info["cid"]
        self.calls.append({"cid": cid, "events": body, "query": dict(request.query)})
        for e in body:  # as the SMS line does when Rasa sends a staff reply through it
            delivery = (e.get("metadata") or {}).get("delivery")
            if delivery and self.delivery:
                record_delivery(delivery, cid, self.delivery)
        self.events.setdefault(cid, []).extend({**e, "timestamp": 1_700_000_000} for e in body)
        return web.json_response({"sender_id": cid})


def said(text, intent="greet", risk=None, metadata=None, at=None):
    """A person's message as Rasa's tracker holds it; `risk` is the risk component's verdict in the parse data."""
    parse = {"intent": {"name": intent}, "risk": risk or {"is_risk": False}}
    return {"event": "user", "text": text, "timestamp": at or time.time(), "parse_data": parse,
            "metadata": metadata or {}}


def risk_said(text=PILLS, at=None, metadata=None):
    return said(text, "risk_overdose", {"is_risk": True, "category": "overdose", "urgency": "imminent"}, metadata, at)


def run_console(db_url, scenario, db_for_console=None):
    """Starts the fake Rasa and the console, then runs `scenario(client, rasa)`."""

    async def main():
        fake = FakeRasa()
        rasa_server = TestServer(fake.app)
        await rasa_server.start_server()
        app = create_app(db_for_console or db_url, RasaClient(str(rasa_server.make_url("")), "secret-token"))
        app[FAILURE_DELAY] = 0
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            await scenario(client, fake)
        finally:
            await client.close()
            await rasa_server.close()

    asyncio.run(main())


@pytest.fixture()
def staff(project_db):
    auth.add_user("alice", PASSWORD, url=project_db)
    auth.add_user("bob", PASSWORD, url=project_db)
    return project_db


async def sign_in(client, username="alice", password=PASSWORD):
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
    return await client.post("/login", data={"username": username, "password": password, "login_csrf": token},
                             allow_redirects=False)


async def csrf_of(client, path="/"):
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def post(client, path, **data):
    data.setdefault("csrf", await csrf_of(client, "/"))
    return await client.post(path, data=data, allow_redirects=False)


def test_nothing_is_readable_without_signing_in(staff):
    hid = request_handoff("web-1", "socketio", "risk", "imminent", "overdose")

    async def scenario(client, rasa):
        for path in ("/", f"/handoffs/{hid}"):
            resp = await client.get(path, allow_redirects=False)
            assert resp.status == 303 and resp.headers["Location"] == "/login"
        resp = await client.get("/api/queue")
        assert resp.status == 401 and "Sign in again" in (await resp.json())["error"]
        resp = await client.get(f"/api/handoffs/{hid}")
        assert resp.status == 401
        resp = await client.post(f"/handoffs/{hid}/claim", data={"csrf": "x"}, allow_redirects=False)
        assert resp.status == 401
        assert get_handoff(hid).status == "waiting" and rasa.calls == []

    run_console(staff, scenario)


def test_sign_in_sets_a_strict_http_only_cookie_and_wrong_passwords_are_refused(staff):
    async def scenario(client, rasa):
        resp = await sign_in(client, password="not the password")
        assert resp.status == 401 and "Wrong username or password" in await resp.text()
        resp = await sign_in(client, username="nobody")
        assert resp.status == 401 and "Wrong username or password" in await resp.text()
        resp = await sign_in(client)
        assert resp.status == 303 and resp.headers["Location"] == "/"
        cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "console_session=" in v)
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = await (await client.get("/")).text()
        assert "Signed in as <strong>alice</strong>" in page

    run_console(staff, scenario)


def test_the_sign_in_form_needs_its_own_token(staff):
    async def scenario(client, rasa):
        resp = await client.post("/login", data={"username": "alice", "password": PASSWORD}, allow_redirects=False)
        assert resp.status == 403 and "console_session" not in resp.cookies

    run_console(staff, scenario)


def test_a_second_sign_in_page_does_not_void_the_first(staff):
    async def scenario(client, rasa):
        first = await (await client.get("/login")).text()
        await client.get("/favicon.ico")  # the browser's own request, before any session
        await client.get("/login")  # another tab
        token = re.search(r'name="login_csrf" value="([^"]+)"', first).group(1)
        resp = await client.post("/login", data={"username": "alice", "password": PASSWORD, "login_csrf": token},
                                 allow_redirects=False)
        assert resp.status == 303

    run_console(staff, scenario)


def test_the_staff_shells_test_conversations_are_kept_out_of_the_live_queue(staff):
    request_handoff("web-live-caller", "socketio", "risk", "urgent", "suicide")
    request_handoff("staff-test-shell-0123456789", "preview", "risk", "imminent", "suicide")

    async def scenario(client, rasa):
        await sign_in(client)
        live = await (await client.get("/api/queue")).json()
        assert [h["url"] for h in live["waiting"]] and len(live["waiting"]) == 1  # the caller, not the test
        assert live["waiting"][0]["urgency"] == "urgent"  # the alerts follow this list
        tests = await (await client.get("/api/queue?tests=1")).json()
        assert len(tests["waiting"]) == 1 and tests["waiting"][0]["urgency"] == "imminent"
        page = await (await client.get("/?tests=1")).text()
        assert "Test conversations" in page and "Back to the live queue" in page

    run_console(staff, scenario)


def test_a_staff_test_conversation_is_saved_as_a_test_story_and_a_live_one_is_not(staff, tmp_path, monkeypatch):
    monkeypatch.setenv("SAVED_STORIES_DIR", str(tmp_path))
    test_id = "staff-test-shell-0123456789"
    test_handoff = request_handoff(test_id, "preview", "risk", "imminent", "overdose")
    live_handoff = request_handoff("web-live-caller", "socketio", "risk", "urgent", "suicide")

    async def scenario(client, rasa):
        rasa.events[test_id] = [
            {"event": "action", "name": "action_listen", "timestamp": 1},
            said("my number is 617 555 0142", intent="greet"),
            {"event": "action", "name": "utter_greet", "timestamp": 2},
            {"event": "action", "name": "action_listen", "timestamp": 2},
            risk_said(),
            {"event": "action", "name": "action_escalate", "timestamp": 3},
        ]
        await sign_in(client)
        page = await (await client.get(f"/handoffs/{test_handoff}")).text()
        assert "Save as a test" in page
        assert "Save as a test" not in await (await client.get(f"/handoffs/{live_handoff}")).text()

        resp = await post(client, f"/handoffs/{test_handoff}/save-test", name="pills-in-hand")
        assert resp.status == 200 and "tests/stories/saved/pills-in-hand.yml" in await resp.text()
        story = (tmp_path / "pills-in-hand.yml").read_text()
        assert "617 555 0142" not in story and "[phone" in story  # masked as in the logs
        steps = yaml.safe_load(story)["stories"][0]["steps"]
        assert [s.get("intent") or s.get("action") for s in steps] == [
            "greet", "utter_greet", "risk_overdose", "action_escalate"]
        assert steps[2]["user"] == PILLS

        again = await post(client, f"/handoffs/{test_handoff}/save-test", name="pills-in-hand")
        assert again.status == 409 and "exists" in await again.text()  # never over another story
        bad = await post(client, f"/handoffs/{test_handoff}/save-test", name="../../etc/passwd")
        assert bad.status == 400 and not list(tmp_path.parent.glob("etc*"))
        live = await post(client, f"/handoffs/{live_handoff}/save-test", name="live-one")
        assert live.status == 400 and not (tmp_path / "live-one.yml").exists()  # a caller's words stay out of the repo

    run_console(staff, scenario)


def test_repeated_failures_block_sign_in_for_a_while(staff):
    async def scenario(client, rasa):
        for _ in range(10):
            assert (await sign_in(client, password="guess guess guess")).status == 401
        resp = await sign_in(client)  # even the right password, for now
        assert resp.status == 429 and "Too many failed sign-ins" in await resp.text()

    run_console(staff, scenario)


def test_the_queue_shows_urgent_first_with_waiting_time(staff):
    request_handoff("web-routine", "socketio", "asked_for_person", "routine")
    request_handoff("+16175550142", "twilio", "risk", "urgent", "self_harm")
    request_handoff("web-imminent", "socketio", "risk", "imminent", "overdose")

    async def scenario(client, rasa):
        await sign_in(client)
        queue = await (await client.get("/api/queue")).json()
        assert [h["urgency"] for h in queue["waiting"]] == ["imminent", "urgent", "routine"]
        assert queue["waiting"][0]["reason"] == "Risk signal" and queue["waiting"][0]["category"] == "overdose"
        assert all(h["waiting"] == "under a minute" for h in queue["waiting"])
        assert queue["waiting"][1]["who"] == "[phone …42]"  # SMS numbers are masked in the queue
        page = await (await client.get("/")).text()
        table = page[page.index('id="waiting-table"'):]  # the filters above it name "Urgent" too
        assert table.index("Imminent") < table.index("Urgent") < table.index("Routine")

    run_console(staff, scenario)


def test_claim_pauses_the_assistant_and_tells_the_person(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        resp = await post(client, f"/handoffs/{hid}/claim")
        assert resp.status == 303
        (call,) = rasa.calls
        assert call["cid"] == "web-1"
        assert call["query"]["execute_side_effects"] == "true" and call["query"]["output_channel"] == "latest"
        assert [e["event"] for e in call["events"]] == ["pause", "bot"] and call["events"][1]["text"] == JOINED
        handoff = get_handoff(hid)
        assert (handoff.status, handoff.claimed_by) == ("claimed", "alice") and handoff.claimed_at is not None
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "With alice since" in page and "Your reply" in page

    run_console(staff, scenario)


def test_a_claim_that_cannot_pause_the_assistant_is_undone(staff):
    hid = request_handoff("web-1", "socketio", "risk", "urgent", "suicide")

    async def scenario(client, rasa):
        await sign_in(client)
        csrf = await csrf_of(client)
        rasa.down = True
        resp = await post(client, f"/handoffs/{hid}/claim", csrf=csrf)
        text = await resp.text()
        assert resp.status == 502 and "Not claimed, the assistant is still answering" in text
        assert "Traceback" not in text
        assert get_handoff(hid).status == "waiting"

    run_console(staff, scenario)


def test_a_staff_reply_goes_to_the_person_without_the_staff_name(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        resp = await post(client, f"/handoffs/{hid}/reply", text="Hi, I'm here. How can I help?")
        assert resp.status == 303
        call = rasa.calls[-1]
        assert call["query"]["execute_side_effects"] == "true" and call["query"]["output_channel"] == "latest"
        assert call["events"][0] == {"event": "pause"}
        sent = call["events"][1]
        # A flag and the delivery id the web chat records its outcome under (bot/server/channels/socketio.py), no name.
        assert sent == {"event": "bot", "text": "Hi, I'm here. How can I help?",
                        "metadata": {"staff": True, "delivery": sent["metadata"]["delivery"]}}
        assert re.fullmatch(r"[0-9a-f]{32}", sent["metadata"]["delivery"])
        assert "alice" not in str(call)
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "Hi, I&#39;m here. How can I help?" in page and "alice reply" not in page

    run_console(staff, scenario)


def test_only_the_staff_member_who_claimed_can_reply_and_others_can_take_over(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client, "alice")
        await post(client, f"/handoffs/{hid}/claim")
        client.session.cookie_jar.clear()
        await sign_in(client, "bob")
        resp = await post(client, f"/handoffs/{hid}/claim")
        assert resp.status == 409 and "alice has already claimed this conversation" in await resp.text()
        resp = await post(client, f"/handoffs/{hid}/reply", text="hello")
        assert resp.status == 409 and "Claim this conversation before you reply" in await resp.text()
        assert len(rasa.calls) == 1
        resp = await post(client, f"/handoffs/{hid}/claim", take_over="1")
        assert resp.status == 303 and get_handoff(hid).claimed_by == "bob"
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "alice claim" in page and "bob take over" in page

    run_console(staff, scenario)


def test_hand_back_resumes_the_assistant_and_closes_the_handoff(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        resp = await post(client, f"/handoffs/{hid}/hand-back", note="answered the insurance question")
        assert resp.status == 303 and resp.headers["Location"] == "/"
        call = rasa.calls[-1]
        assert [e["event"] for e in call["events"]] == ["resume", "active_loop", "slot", "slot", "bot"]
        assert call["events"][-1]["text"] == HANDED_BACK
        assert call["events"][1] == {"event": "active_loop", "name": None}  # the crisis follow-up ends too
        handoff = get_handoff(hid)
        assert (handoff.status, handoff.resolution, handoff.closed_by) == ("closed", "handed_back", "alice")
        assert (await (await client.get("/api/queue")).json())["claimed"] == []

    run_console(staff, scenario)


def test_closing_needs_a_note_and_a_claimed_conversation_is_resumed_first(staff):
    waiting = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    claimed = request_handoff("web-2", "socketio", "risk", "urgent", "suicide")

    async def scenario(client, rasa):
        await sign_in(client)
        resp = await post(client, f"/handoffs/{waiting}/close", note="  ")
        assert resp.status == 400 and "Write a short note" in await resp.text()
        resp = await post(client, f"/handoffs/{waiting}/close", note="Called back, intake booked for Monday.")
        assert resp.status == 303 and rasa.calls == []  # never paused: nothing to tell the assistant
        assert get_handoff(waiting).note == "Called back, intake booked for Monday."
        await post(client, f"/handoffs/{claimed}/claim")
        await post(client, f"/handoffs/{claimed}/close", note="Safe; with family. Follow up tomorrow.")
        assert rasa.calls[-1]["events"][0] == {"event": "resume"}
        assert get_handoff(claimed).resolution == "closed"
        resp = await post(client, f"/handoffs/{claimed}/close", note="again")
        assert resp.status == 409 and "Already closed by alice" in await resp.text()

    run_console(staff, scenario)


def test_a_message_with_markup_is_shown_as_text(staff):
    hid = request_handoff("web-x", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        rasa.events["web-x"] = [
            {"event": "user", "text": SCRIPT, "timestamp": 1_700_000_000, "parse_data": {"intent": {"name": "greet"}}},
            {"event": "user", "text": "i took all my pills", "timestamp": 1_700_000_001,
             "parse_data": {"intent": {"name": "risk_overdose"}}},
        ]
        await sign_in(client)
        resp = await client.get(f"/handoffs/{hid}")
        page = await resp.text()
        assert SCRIPT not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        assert "risk signal" in page
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        data = await (await client.get(f"/api/handoffs/{hid}")).json()
        assert data["transcript"][0]["text"] == SCRIPT  # JSON for the page's script, which uses textContent
        assert data["transcript"][1]["risk"] is True

    run_console(staff, scenario)


def test_posts_without_the_session_token_or_from_another_site_are_refused(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        resp = await client.post(f"/handoffs/{hid}/claim", data={}, allow_redirects=False)
        assert resp.status == 403 and "This form has expired" in await resp.text()
        csrf = await csrf_of(client)
        resp = await client.post(f"/handoffs/{hid}/claim", data={"csrf": csrf}, allow_redirects=False,
                                 headers={"Origin": "https://evil.example"})
        assert resp.status == 403
        assert get_handoff(hid).status == "waiting" and rasa.calls == []

    run_console(staff, scenario)


def test_sessions_expire_and_sign_out_ends_them(staff):
    async def scenario(client, rasa):
        await sign_in(client)
        assert (await client.get("/api/queue")).status == 200
        with session_scope(staff) as s:
            s.execute(update(StaffSession).values(last_seen_at=utcnow() - auth.IDLE - timedelta(minutes=1)))
        assert (await client.get("/api/queue")).status == 401
        await sign_in(client)
        with session_scope(staff) as s:
            s.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert (await client.get("/api/queue")).status == 401
        await sign_in(client)
        resp = await post(client, "/logout")
        assert resp.status == 303 and resp.headers["Location"] == "/login"
        assert (await client.get("/api/queue")).status == 401

    run_console(staff, scenario)


def test_a_conversation_is_still_shown_when_rasa_is_down(staff):
    hid = request_handoff("web-1", "socketio", "risk", "imminent", "overdose")

    async def scenario(client, rasa):
        await sign_in(client)
        rasa.down = True
        resp = await client.get(f"/handoffs/{hid}")
        page = await resp.text()
        assert resp.status == 200 and "The conversation can&#39;t be shown" in page and "Claim" in page

    run_console(staff, scenario)


def test_a_database_that_is_down_gives_a_clear_message(staff, tmp_path):
    async def scenario(client, rasa):
        page = await (await client.get("/login")).text()
        token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
        resp = await client.post("/login", data={"username": "alice", "password": PASSWORD, "login_csrf": token})
        text = await resp.text()
        assert resp.status == 503 and DB_DOWN.split(".")[0].replace("'", "&#39;") in text
        assert "Traceback" not in text and "sqlite" not in text.lower()

    run_console(staff, scenario, db_for_console=f"sqlite:///{tmp_path / 'no' / 'such.db'}")


@pytest.mark.parametrize("conversation_id", ["+16175550142", "whatsapp:+16175550142", "3f2a9c0e4b7d4e21a1b2c3d4e5f60718",
                                             "rest-user_1"])
def test_conversation_ids_reach_rasa_unchanged(conversation_id):
    # Sanic, under Rasa's API, does not unquote paths: "%2B1617..." would be another conversation.
    assert RasaClient._path(conversation_id) == conversation_id


@pytest.mark.parametrize("conversation_id", ["a b", "x?y", "50%", ""])
def test_ids_that_rasa_cannot_address_give_a_clear_message(conversation_id):
    with pytest.raises(RasaUnavailable, match="cannot take"):
        RasaClient._path(conversation_id)


def test_the_transcript_shows_a_take_over_once_however_many_replies():
    from zoneinfo import ZoneInfo

    from bot.console.views import transcript

    events = [{"event": "user", "text": "person please", "timestamp": 1}, {"event": "pause", "timestamp": 2},
              {"event": "bot", "text": "joined", "metadata": {"console_notice": True}, "timestamp": 2},
              {"event": "pause", "timestamp": 3}, {"event": "bot", "text": "hi", "metadata": {"staff": True}, "timestamp": 3},
              {"event": "resume", "timestamp": 4}, {"event": "bot", "text": "back", "timestamp": 4}]
    lines = transcript({"events": events}, ZoneInfo("UTC"))
    assert [(line["who"], line["text"][:12]) for line in lines] == [
        ("person", "person pleas"), ("event", "A staff memb"), ("notice", "joined"), ("staff", "hi"),
        ("event", "Handed back:"), ("assistant", "back")]


def test_hand_back_after_a_risk_message_since_the_claim_needs_a_note_and_keeps_the_handoff_open(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        rasa.events["web-1"].append(risk_said())
        # The guard's own request for a person while claimed (bot/server/channels/guard.py) raises the urgency.
        request_handoff("web-1", "socketio", "risk", "imminent", "overdose")
        calls = len(rasa.calls)

        resp = await post(client, f"/handoffs/{hid}/hand-back", note="  ")
        text = await resp.text()
        assert resp.status == 400 and "Not handed back yet" in text and "wrote a risk message" in text
        assert "goes back to the queue as urgent" in text
        assert len(rasa.calls) == calls and get_handoff(hid).status == "claimed"  # still paused, still hers

        resp = await post(client, f"/handoffs/{hid}/hand-back", note="Has pills; would not talk. Call 911 if no reply.")
        assert resp.status == 303 and resp.headers["Location"] == "/"
        assert [e["event"] for e in rasa.calls[-1]["events"]] == ["resume", "active_loop", "slot", "slot", "bot"]
        handoff = get_handoff(hid)
        assert (handoff.status, handoff.claimed_by, handoff.urgency, handoff.closed_at) == ("waiting", None,
                                                                                            "imminent", None)
        assert [(a.action, a.note) for a in actions_of(hid)][-1] == (
            "requeue", "Has pills; would not talk. Call 911 if no reply.")
        queue = await (await client.get("/api/queue")).json()
        assert [(h["id"], h["urgent"]) for h in queue["waiting"]] == [(hid, True)] and queue["claimed"] == []
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "Has pills; would not talk." in page and "handed back after a risk message: kept in the queue" in page
        assert "Claim: I'll talk with this person" in page

    run_console(staff, scenario)


def test_a_take_over_does_not_restart_the_claim(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client, "alice")
        await post(client, f"/handoffs/{hid}/claim")
        rasa.events["web-1"].append(risk_said())
        client.session.cookie_jar.clear()
        await sign_in(client, "bob")
        await post(client, f"/handoffs/{hid}/claim", take_over="1")
        resp = await post(client, f"/handoffs/{hid}/hand-back")
        assert resp.status == 400 and "wrote a risk message" in await resp.text()
        assert get_handoff(hid).claimed_by == "bob"

    run_console(staff, scenario)


def test_a_risk_message_before_the_claim_does_not_change_hand_back(staff):
    hid = request_handoff("web-1", "socketio", "risk", "imminent", "overdose")

    async def scenario(client, rasa):
        rasa.events["web-1"] = [risk_said(at=time.time() - 60)]
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        rasa.events["web-1"].append(said("ok thanks, i put them away", at=time.time() + 1))
        resp = await post(client, f"/handoffs/{hid}/hand-back")
        assert resp.status == 303
        assert (get_handoff(hid).status, get_handoff(hid).resolution) == ("closed", "handed_back")

    run_console(staff, scenario)


def test_a_waiting_conversation_cannot_be_handed_back(staff):
    hid = request_handoff("web-1", "socketio", "risk", "urgent", "suicide")

    async def scenario(client, rasa):
        await sign_in(client)
        resp = await post(client, f"/handoffs/{hid}/hand-back")
        assert resp.status == 409 and "Only a claimed conversation can be handed back" in await resp.text()
        assert get_handoff(hid).status == "waiting" and rasa.calls == []

    run_console(staff, scenario)


def test_hand_back_that_cannot_read_the_conversation_changes_nothing(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        csrf = await csrf_of(client)
        rasa.down = True
        resp = await post(client, f"/handoffs/{hid}/hand-back", csrf=csrf, note="done")
        assert resp.status == 502 and "Still open, the assistant is still paused" in await resp.text()
        assert get_handoff(hid).status == "claimed"

    run_console(staff, scenario)


def test_risk_messages_are_marked_with_category_urgency_and_whether_they_came_since_the_claim(staff):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        rasa.events["web-1"] = [said("i want to die lol jk", "nlu_fallback",
                                     {"is_risk": True, "category": "suicide", "urgency": "urgent"},
                                     at=time.time() - 60)]
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        rasa.events["web-1"].append(risk_said(at=time.time() + 1))
        data = await (await client.get(f"/api/handoffs/{hid}")).json()
        person = [line for line in data["transcript"] if line["who"] == "person"]
        # The verdict in the parse data counts even when the intent does not say risk_.
        assert [(p["risk"], p["risk_flag"], p["since_claim"]) for p in person] == [
            (True, "risk signal: suicide, urgent", False), (True, "risk signal: overdose, imminent", True)]
        assert data["risk_since_claim"] is True
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "risk signal: overdose, imminent" in page and "since the claim" in page
        assert "Note (needed: the person wrote a risk message since the claim)" in page

    run_console(staff, scenario)


def test_an_sms_number_that_texted_stop_is_shown_opted_out_and_staff_replies_are_refused(staff):
    phone = "+16175550150"
    hid = request_handoff(phone, "twilio", "risk", "imminent", "overdose")
    set_opted_out(phone, True)

    async def scenario(client, rasa):
        stopped = time.time()
        rasa.events[phone] = [
            said("hi", at=stopped - 120),
            {"event": "bot", "text": "Hi! I'm an automated assistant.", "timestamp": stopped - 119},
            # Texted after STOP: the SMS line marked the message, and texted none of the turn's replies.
            risk_said(at=stopped + 5, metadata={NOT_TEXTED: True}),
            {"event": "bot", "text": "Call or text 988 now.", "timestamp": stopped + 6,
             "data": {"custom": {"escalation": {"category": "overdose", "urgency": "imminent"}}}},
        ]
        await sign_in(client)
        queue = await (await client.get("/api/queue")).json()
        assert queue["waiting"][0]["opted_out"] is True
        assert "opted out of texts" in await (await client.get("/")).text()

        data = await (await client.get(f"/api/handoffs/{hid}")).json()
        lines = [(line["who"], line["text"][:12], line["not_sent"]) for line in data["transcript"]]
        assert ("assistant", "Hi! I'm an a", False) in lines and ("assistant", "Call or text", True) in lines
        assert any(line["opted_out"] and "Texted STOP" in line["text"] for line in data["transcript"])

        await post(client, f"/handoffs/{hid}/claim")
        assert rasa.calls[-1]["events"][1]["metadata"] == {"console_notice": True, NOT_TEXTED: True}
        page = await (await client.get(f"/handoffs/{hid}")).text()
        assert "Opted out of texts" in page and "not sent (opted out)" in page
        assert 'id="reply-text"' not in page and "until they text START" in page

        calls = len(rasa.calls)
        resp = await post(client, f"/handoffs/{hid}/reply", text="Are you safe right now?")
        text = await resp.text()
        assert resp.status == 409 and "Not sent." in text and "texted STOP" in text
        assert "until they text START" in text and "call them instead" in text
        assert len(rasa.calls) == calls  # nothing went to the assistant's server

        # After START, replies go out again; what was not texted stays marked.
        set_opted_out(phone, False)
        resp = await post(client, f"/handoffs/{hid}/reply", text="Are you safe right now?")
        assert resp.status == 303 and rasa.calls[-1]["events"][1]["text"] == "Are you safe right now?"
        data = await (await client.get(f"/api/handoffs/{hid}")).json()
        assert [line["text"][:12] for line in data["transcript"] if line["not_sent"]] == ["Call or text", "Someone from"]
        assert not any(line["opted_out"] for line in data["transcript"])

    run_console(staff, scenario)


def test_the_risk_models_ask_directly_tier_counts_as_a_risk_message():
    from zoneinfo import ZoneInfo

    from bot.console.views import risk_since, transcript

    check = said("sometimes i think everyone would be better off", "risk_check",
                 {"is_risk": True, "category": "suicide", "urgency": "check"})
    (line,) = transcript({"events": [check]}, ZoneInfo("UTC"))
    assert (line["risk"], line["risk_flag"]) == (True, "risk signal: suicide, ask directly")
    assert [r["category"] for r in risk_since({"events": [check]}, utcnow() - timedelta(minutes=1))] == ["suicide"]
    assert risk_since({"events": [check]}, utcnow() + timedelta(minutes=1)) == []


def _luminance(hex_colour):
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_badge_and_flag_has_at_least_aa_contrast():
    from bot.console.app import HERE

    css = (HERE / "static" / "console.css").read_text()
    rules = re.findall(r"\.(badge\.[a-z]+|flag(?:\.[a-z]+)?|urgent-notice)\s*\{([^}]*)\}", css)
    checked = {}
    for name, body in rules:
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", body)
        if not background:
            continue
        light, dark = sorted((_luminance(background.group(1)), _luminance(colour.group(1) if colour else "#ffffff")))
        checked[name] = (dark + 0.05) / (light + 0.05)
    assert {"badge.imminent", "badge.urgent", "badge.optout", "flag"} <= set(checked)
    assert all(ratio >= 4.5 for ratio in checked.values()), checked


def test_no_table_header_is_empty(staff):
    request_handoff("web-1", "socketio", "asked_for_person", "routine")
    hid = request_handoff("web-2", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{hid}/claim")
        for path in ("/", "/?view=closed", "/?view=mine", "/?tests=1"):
            page = await (await client.get(path)).text()
            headers = re.findall(r"<th>(.*?)</th>", page)
            assert headers and all(re.sub(r"<[^>]+>", "", h).strip() for h in headers), (path, headers)

    run_console(staff, scenario)


def test_the_queue_filters_pages_and_searches_and_keeps_test_conversations_out_of_every_live_view(staff):
    ids = [request_handoff(f"web-{i:03d}", "socketio", "asked_for_person", "routine") for i in range(60)]
    urgent = request_handoff("web-urgent", "socketio", "risk", "urgent", "suicide")
    request_handoff("staff-test-shell-0123456789", "preview", "risk", "imminent", "suicide")
    request_handoff("staff-test-rest-web-000", "rest", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{ids[3]}/claim")
        await post(client, f"/handoffs/{ids[4]}/close", note="Called back, all fine.")

        first = await (await client.get("/api/queue")).json()
        assert first["total"] == 60 and first["pages"] == 2 and first["shown"] == "1-50 of 60"
        assert len(first["waiting"]) == 50 and first["waiting"][0]["id"] == urgent
        assert first["next"] == "/?page=2" and first["previous"] == ""
        assert first["counts"] == {"open": 60, "waiting": 59, "claimed": 1, "urgent": 1, "mine": 1}
        second = await (await client.get("/api/queue?page=2")).json()
        assert len(second["waiting"]) + len(second["claimed"]) == 10 and second["previous"] == "/"
        assert [h["id"] for h in second["claimed"]] == [ids[3]]
        assert [h["id"] for h in (await (await client.get("/api/queue?view=urgent")).json())["waiting"]] == [urgent]
        mine = await (await client.get("/api/queue?view=mine")).json()
        assert [h["id"] for h in mine["claimed"]] == [ids[3]] and mine["waiting"] == []
        closed = await (await client.get("/api/queue?view=closed")).json()
        assert [h["id"] for h in closed["closed"]] == [ids[4]] and closed["waiting"] == []
        found = await (await client.get("/api/queue?q=web-00")).json()
        assert sorted(h["id"] for h in found["waiting"] + found["claimed"]) == ids[:4] + ids[5:10]
        assert (await (await client.get("/api/queue?view=waiting&q=web-003")).json())["total"] == 0
        # Test conversations: in no live view, search or alert, only on their own page.
        for view in ("open", "waiting", "urgent", "mine", "closed"):
            for q in ("", "staff-test", "web-000"):
                data = await (await client.get(f"/api/queue?view={view}&q={q}")).json()
                listed = data["waiting"] + data["claimed"] + data["closed"]
                assert not any(h["id"] > urgent for h in listed), (view, q)
        assert [h["id"] for h in first["urgent_waiting"]] == [urgent]
        tests = await (await client.get("/api/queue?tests=1&view=urgent")).json()
        assert tests["total"] == 1 and tests["waiting"][0]["urgency"] == "imminent"
        assert [h["id"] for h in tests["urgent_waiting"]] == [urgent]  # the alerts stay live

        page = await (await client.get("/?view=open&q=web-00")).text()
        assert 'aria-current="page">All open' in page and 'value="web-00"' in page
        assert "Page 1 of 1: 1-9 of 9" in page and "Next page" not in page
        page = await (await client.get("/")).text()
        assert 'href="/?page=2"' in page and "Next page" in page and "Waiting <span" in page
        page = await (await client.get("/?view=bogus&page=x")).text()  # odd addresses show the first page
        assert "Page 1 of 2" in page

    run_console(staff, scenario)


def test_staff_can_show_an_sms_number_on_purpose_and_each_time_is_recorded(staff, caplog):
    sms_handoff = request_handoff("+16175550142", "twilio", "risk", "imminent", "overdose")
    web_handoff = request_handoff("web-1", "socketio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        page = await (await client.get(f"/handoffs/{sms_handoff}")).text()
        assert "[phone …42]" in page and "6175550142" not in page and "Show the full number" in page
        # Like every POST, it needs the session's form token.
        resp = await client.post(f"/handoffs/{sms_handoff}/reveal-number", data={}, allow_redirects=False)
        assert resp.status == 403 and reveals_of(handoff_id=sms_handoff) == []

        with caplog.at_level("INFO"):
            resp = await post(client, f"/handoffs/{sms_handoff}/reveal-number")
        page = await resp.text()
        assert resp.status == 200 and 'href="tel:+16175550142"' in page and ">+16175550142</a>" in page
        (reveal,) = reveals_of(handoff_id=sms_handoff)
        assert reveal.username == "alice" and reveal.at is not None
        assert "6175550142" not in caplog.text  # the logs say who showed which handoff's number, not the number
        assert "alice showed the phone number of handoff" in caplog.text

        # Everywhere else it stays masked; the staff actions say who showed it and when.
        page = await (await client.get(f"/handoffs/{sms_handoff}")).text()
        assert "6175550142" not in page and "alice showed the full phone number" in page
        for path in ("/", "/api/queue", f"/api/handoffs/{sms_handoff}", "/?view=urgent"):
            assert "6175550142" not in await (await client.get(path)).text(), path
        # A web chat has no number to show.
        resp = await post(client, f"/handoffs/{web_handoff}/reveal-number")
        assert resp.status == 400 and reveals_of(handoff_id=web_handoff) == []
        assert "Show the full number" not in await (await client.get(f"/handoffs/{web_handoff}")).text()

    run_console(staff, scenario)


def test_the_callbacks_view_lists_requests_with_masked_numbers_status_and_a_count_on_the_queue(staff, caplog):
    first = save_callback("web-aaaaaa111111", "socketio", "+16175550101", "weekday mornings")
    second = save_callback("+16175550102", "twilio", "+16175550102", "after 5pm <b>please</b>")
    save_callback("staff-test-shell-0123456789", "preview", "+16175550103", "any time")

    async def scenario(client, rasa):
        await sign_in(client)
        queue = await (await client.get("/")).text()
        assert re.search(r'Callbacks to do: <span id="callbacks-to-do">2</span>', queue)
        assert (await (await client.get("/api/queue")).json())["callbacks_to_do"] == 2
        page = await (await client.get("/callbacks")).text()
        assert "weekday mornings" in page and "after 5pm &lt;b&gt;please&lt;/b&gt;" in page
        assert "[phone …01]" in page and "[phone …02]" in page and "5550101" not in page and "5550102" not in page
        assert "5550103" not in page and "any time" not in page  # a staff test stays out
        assert page.index(f'id="callback-{first}"') < page.index(f'id="callback-{second}"')

        with caplog.at_level("INFO"):
            resp = await post(client, f"/callbacks/{second}/reveal-number")
        page = await resp.text()
        assert 'href="tel:+16175550102"' in page and "5550101" not in page and "Shown to alice" in page
        assert "5550102" not in caplog.text
        assert [r.username for r in reveals_of(callback_id=second)] == ["alice"]
        page = await (await client.get("/callbacks")).text()
        assert "5550102" not in page and "Shown to alice" in page

        resp = await post(client, f"/callbacks/{first}/status", status="no_answer")
        assert resp.status == 303
        resp = await post(client, f"/callbacks/{second}/status", status="called")
        resp = await post(client, f"/callbacks/{second}/status", status="lost")
        assert resp.status == 400
        resp = await client.post(f"/callbacks/{second}/status", data={"status": "new"}, allow_redirects=False)
        assert resp.status == 403  # no form token
        rows = {c.id: c for c in find_callbacks()[0]}
        assert (rows[first].status, rows[first].status_by) == ("no_answer", "alice")
        assert rows[second].status == "called"
        page = await (await client.get("/callbacks")).text()
        assert "No answer: alice" in page and "Done: alice" in page
        assert (await (await client.get("/api/queue")).json())["callbacks_to_do"] == 0
        test_id = max(rows) + 1
        resp = await post(client, f"/callbacks/{test_id}/reveal-number")
        assert resp.status == 404  # a staff test's callback is not a live one

    run_console(staff, scenario)


def test_each_staff_reply_by_text_shows_whether_it_was_sent_failed_or_not_sent(staff):
    phone = "+16175550142"
    sms_handoff = request_handoff(phone, "twilio", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{sms_handoff}/claim")
        resp = await post(client, f"/handoffs/{sms_handoff}/reply", text="Hi, this is the admissions team.")
        assert resp.status == 303
        rasa.delivery = "failed"
        resp = await post(client, f"/handoffs/{sms_handoff}/reply", text="Are you still there?")
        page = await resp.text()
        assert resp.status == 502 and "the text did not go out" in page and "call them" in page
        rasa.delivery = "opted_out"  # a STOP that came in just before the reply went
        resp = await post(client, f"/handoffs/{sms_handoff}/reply", text="Please call us back.")
        assert resp.status == 502 and "just texted STOP" in await resp.text()
        rasa.delivery = None  # nothing recorded (an older SMS line): nothing claimed about it
        await post(client, f"/handoffs/{sms_handoff}/reply", text="One more thing.")

        data = await (await client.get(f"/api/handoffs/{sms_handoff}")).json()
        staff_lines = [(line["text"], line["delivery_label"], line["not_sent"]) for line in data["transcript"]
                       if line["who"] == "staff"]
        assert staff_lines == [("Hi, this is the admissions team.", "sent by text", False),
                               ("Are you still there?", "text not sent: failed", False),
                               ("Please call us back.", "", True), ("One more thing.", "", False)]
        page = await (await client.get(f"/handoffs/{sms_handoff}")).text()
        assert '<span class="flag delivery sent">sent by text</span>' in page
        assert '<span class="flag delivery failed">text not sent: failed</span>' in page

    run_console(staff, scenario)


def test_each_staff_reply_in_the_web_chat_shows_whether_it_was_delivered(staff):
    web_handoff = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    rest_handoff = request_handoff("rest-1", "rest", "asked_for_person", "routine")

    async def scenario(client, rasa):
        await sign_in(client)
        await post(client, f"/handoffs/{web_handoff}/claim")
        # The socket.io channel records what became of it (bot/server/channels/socketio.py); here the fake Rasa does.
        rasa.delivery = "delivered"  # the person's chat acknowledged it
        resp = await post(client, f"/handoffs/{web_handoff}/reply", text="Hello from the team.")
        assert resp.status == 303
        rasa.delivery = "sent"  # emitted to an open chat that has not acknowledged it (rasa-webchat never does)
        await post(client, f"/handoffs/{web_handoff}/reply", text="Take your time.")
        rasa.delivery = "no_session"  # nobody has the chat open: staff are told at once
        resp = await post(client, f"/handoffs/{web_handoff}/reply", text="Are you still there?")
        page = await resp.text()
        assert resp.status == 502 and "it was not delivered" in page and "does not have the chat open" in page
        assert "Are you still there?</textarea>" not in page  # it is in the conversation: nothing to send again

        sent = [e for call in rasa.calls if call["cid"] == "web-1" for e in call["events"] if e["event"] == "bot"
                and (e.get("metadata") or {}).get("staff")]
        ids = [e["metadata"]["delivery"] for e in sent]
        assert len(set(ids)) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
        assert all(set(e["metadata"]) == {"staff", "delivery"} for e in sent)  # no name, no text

        data = await (await client.get(f"/api/handoffs/{web_handoff}")).json()
        staff_lines = [(line["text"], line["delivery"], line["delivery_label"], line["not_sent"])
                       for line in data["transcript"] if line["who"] == "staff"]
        assert staff_lines == [
            ("Hello from the team.", "delivered", "delivered: shown in their chat", False),
            ("Take your time.", "sent", "sent, not yet confirmed", False),
            ("Are you still there?", "no_session", "not delivered: the person is not on the chat page", False)]
        page = await (await client.get(f"/handoffs/{web_handoff}")).text()
        assert '<span class="flag delivery delivered">delivered: shown in their chat</span>' in page
        assert '<span class="flag delivery no_session">not delivered: the person is not on the chat page</span>' \
            in page

        # The REST test channel delivers nothing: no id, nothing claimed about it.
        await post(client, f"/handoffs/{rest_handoff}/claim")
        await post(client, f"/handoffs/{rest_handoff}/reply", text="Stored only.")
        (stored,) = [e for call in rasa.calls if call["cid"] == "rest-1" for e in call["events"]
                     if e.get("text") == "Stored only."]
        assert stored["metadata"] == {"staff": True}

    run_console(staff, scenario)
