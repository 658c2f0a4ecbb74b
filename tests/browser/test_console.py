"""The staff console in a real browser, against the real servers of `make run`.

A person chats over socket.io (python-socketio's client, as the web widget does) while a staff member
uses the console in chromium: sees the conversation waiting, claims it, replies, and the person receives
the reply; the assistant stays quiet while staff have the conversation, except for the crisis resources
on a risk message; after the hand-back it answers again. A hand-back after a risk message needs a note and
leaves the conversation in the queue, urgent. New urgent conversations appear without a reload. A number
that texted STOP is shown as opted out, its unsent replies as not sent, and staff cannot text it. A staff reply
to a person in the web widget shows "delivered" once the widget acknowledged it, and "not delivered" after the
person closed the page.
"""
from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Page, expect

from bot.console.rasa_api import HANDED_BACK, JOINED
from bot.core.settings import ROOT
from bot.storage.handoffs import HandoffConflict, finish, request_handoff
from bot.storage.screening import save_callback

PASSWORD = "staff console test password"
PILLS = "i have the pills in my hand right now"
MARKUP = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
WAIT = 90  # seconds to wait for an expected message before failing (the servers share 2 cores)


class Visitor:
    """Someone on the website chat: one socket.io connection with a persistent session id."""

    def __init__(self, rasa_port: int) -> None:
        self.session_id = uuid.uuid4().hex
        self.inbox: "queue.Queue[dict]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        confirmed = threading.Event()
        self.sio.on("session_confirm", lambda *_: confirmed.set())
        self.payloads: list = []
        self.sio.on("bot_uttered", lambda data: (self.payloads.append(data), self.inbox.put(data)))
        self.sio.connect(f"http://127.0.0.1:{rasa_port}", wait_timeout=30)
        self.sio.emit("session_request", {"session_id": self.session_id})
        assert confirmed.wait(30), "socket.io session was not confirmed"

    @property
    def label(self) -> str:  # how the console's queue names this visitor
        return f"visitor …{self.session_id[-6:]}"

    def say(self, text: str) -> None:
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def read_until(self, wanted) -> list:
        """Every text received until one satisfies `wanted` (a string to find, or a predicate)."""
        test = wanted if callable(wanted) else (lambda text: wanted in text)
        seen = []
        while True:
            try:
                text = str(self.inbox.get(timeout=WAIT).get("text") or "")
            except queue.Empty:
                pytest.fail(f"the person never received {wanted!r}; they received {seen!r}")
            seen.append(text)
            if test(text):
                return seen

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture(scope="module")
def staff_login(servers):
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot.console", "add-user", "nurse"], input=PASSWORD + "\n",
                   text=True, env=servers["env"], cwd=ROOT, check=True, capture_output=True)
    return "nurse", PASSWORD


@pytest.fixture()
def visitor(servers):
    person = Visitor(servers["rasa"])
    yield person
    person.close()


def console(servers) -> str:
    return f"http://127.0.0.1:{servers['console']}"


def sign_in(page: Page, servers, staff_login) -> None:
    page.goto(console(servers) + "/")
    expect(page).to_have_url(re.compile(r"/login$"))  # nothing readable without signing in
    page.get_by_label("Username").fill(staff_login[0])
    page.get_by_label("Password").fill(staff_login[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations waiting for a person")).to_be_visible()


def row_of(page: Page, table: str, person: Visitor):
    return page.locator(f"#{table} tbody tr").filter(has_text=person.label)


def test_staff_sign_in_claim_and_reply_reach_the_person_over_socketio(page: Page, servers, staff_login, visitor):
    visitor.say(MARKUP)
    visitor.read_until(lambda text: bool(text))
    visitor.say("can i talk to a real person")
    visitor.read_until("911")  # queued, with the crisis numbers in view while waiting

    sign_in(page, servers, staff_login)
    waiting = row_of(page, "waiting-table", visitor)
    expect(waiting).to_contain_text("Asked for a person")
    expect(waiting).to_contain_text("Web chat")
    waiting.get_by_role("link", name="Open").click()

    # The person's markup is shown as text and never runs.
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("<script>document.title=")
    expect(transcript.locator("img, script")).to_have_count(0)

    page.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page.locator("#status-text")).to_contain_text("With nurse")
    visitor.read_until(JOINED)

    reply = "Hi, I'm on the admissions team. I'm here now: what's on your mind?"
    page.get_by_label(re.compile("^Your reply")).fill(reply)
    page.get_by_role("button", name="Send").click()
    assert visitor.read_until(reply)[-1] == reply
    # Marked as the team's, so the widget never shows a person's words as the assistant's; with the delivery id
    # the chat acknowledges it under (python-socketio's client acknowledges every message it handles).
    (sent,) = [p for p in visitor.payloads if p.get("text") == reply]
    assert sent == {"text": reply, "staff": True, "delivery": sent["delivery"]}
    assert any(p.get("console_notice") is True and JOINED in p.get("text", "") for p in visitor.payloads)
    expect(transcript.locator("li.staff")).to_contain_text(reply)
    expect(page).not_to_have_title(re.compile("pwned"))


def test_a_risk_message_while_claimed_is_answered_and_hand_back_then_needs_a_note_and_keeps_it_urgent(
        page: Page, servers, staff_login, visitor):
    visitor.say("i need a real person")
    visitor.read_until("911")
    sign_in(page, servers, staff_login)
    row_of(page, "waiting-table", visitor).get_by_role("link", name="Open").click()
    page.get_by_role("button", name=re.compile("^Claim")).click()
    visitor.read_until(JOINED)

    # Paused: a question gets no answer from the assistant. Proof without a timer: once the console shows the
    # message, Rasa has finished that turn; the staff reply sent after it is the next thing the person gets.
    visitor.say("how much does the program cost?")
    expect(page.locator("#transcript")).to_contain_text("how much does the program cost?", timeout=WAIT * 1000)
    page.get_by_label(re.compile("^Your reply")).fill("Let me look at your plan with you.")
    page.get_by_role("button", name="Send").click()
    assert visitor.read_until("Let me look at your plan with you.") == ["Let me look at your plan with you."]

    # A risk signal while paused: the crisis resources still go out, and the handoff becomes urgent.
    visitor.say(PILLS)
    crisis = visitor.read_until("988")
    assert any("988" in text for text in crisis)
    # The open page shows it without a reload, marked as a risk message since the claim.
    expect(page.locator("#urgency-badge")).to_have_text(re.compile("Imminent|Urgent"), timeout=WAIT * 1000)
    expect(page.locator("#urgency-changed")).to_contain_text("signals risk (suicide)")
    risky = page.locator("#transcript li.person.risk")
    expect(risky).to_contain_text(PILLS)
    expect(risky.locator(".flag")).to_have_text(["risk signal: suicide, imminent", "since the claim"])
    expect(page.locator("#status-text")).to_contain_text("With nurse")  # still with the staff member
    expect(page.locator("#handback-label")).to_contain_text("needed")

    # Hand back without a note: refused, and nothing changes.
    page.get_by_role("button", name="Hand back to the assistant").click()
    expect(page.get_by_role("alert").filter(has_text="Not handed back yet")).to_contain_text(
        "wrote a risk message")
    expect(page.locator("#status-text")).to_contain_text("With nurse")

    note = "Has the pills in hand, would not say where she is. Please try again right away."
    page.get_by_label(re.compile("^Note \\(needed")).fill(note)
    page.get_by_role("button", name="Hand back to the assistant").click()
    expect(page.get_by_role("heading", name="Conversations waiting for a person")).to_be_visible()
    visitor.read_until(HANDED_BACK)
    # Back at the top of the queue, urgent and unclaimed, for the next person to see.
    first = page.locator("#waiting-table tbody tr").first
    expect(first).to_contain_text(visitor.label)
    expect(first).to_contain_text("Risk signal (suicide)")
    expect(first.locator(".badge")).to_have_text(re.compile("Imminent|Urgent"))
    expect(row_of(page, "claimed-table", visitor)).to_have_count(0)
    first.get_by_role("link", name="Open").click()
    expect(page.locator("#open-note")).to_contain_text(note)
    expect(page.locator("#status-text")).to_contain_text("Waiting for a person")
    expect(page.get_by_role("button", name=re.compile("^Claim"))).to_be_visible()

    # Resumed: the assistant answers again.
    visitor.say("how much does the program cost?")
    answer = visitor.read_until(lambda text: bool(text))
    assert answer and answer[-1] != HANDED_BACK


def test_a_new_urgent_conversation_appears_without_a_reload(page: Page, servers, staff_login, visitor):
    sign_in(page, servers, staff_login)
    expect(row_of(page, "waiting-table", visitor)).to_have_count(0)
    visitor.say("i took a whole bottle of pills")
    visitor.read_until("911")
    notice = page.locator("#urgent-notice")
    expect(notice).to_be_visible(timeout=WAIT * 1000)
    expect(notice).to_contain_text("New urgent conversation waiting")
    expect(notice).to_have_attribute("role", "alert")
    row = row_of(page, "waiting-table", visitor)
    expect(row).to_contain_text("Risk signal")
    expect(row.locator(".badge")).to_have_text(re.compile("Imminent|Urgent"))
    # Urgent before routine, and the waiting time is shown.
    expect(page.locator("#waiting-table tbody tr").first.locator(".badge")).to_have_text(re.compile("Imminent|Urgent"))
    expect(row).to_contain_text(re.compile(r"under a minute|\d+ min"))
    expect(page).to_have_title(re.compile(r"^\(\d+ urgent waiting\)"))


def test_signing_out_ends_the_session(page: Page, servers, staff_login):
    sign_in(page, servers, staff_login)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(console(servers) + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    response = page.request.get(console(servers) + "/api/queue")
    assert response.status == 401


def test_a_staff_reply_in_the_widget_shows_delivered_and_after_the_page_is_closed_not_delivered(
        page: Page, browser, servers, staff_login, chat_url):
    # The person, in the project's web widget (another browser context: another person's browser).
    person = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
    person.goto(chat_url)
    person.get_by_role("button", name="Chat with us").click()
    box = person.get_by_label("Type your message")
    box.fill("can i talk to a real person")
    box.press("Enter")
    expect(person.locator(".iopw-bot").filter(has_text="911").first).to_be_visible(timeout=WAIT * 1000)
    session_id = person.evaluate("() => JSON.parse(sessionStorage.getItem("
                                 "'iop-chat:' + location.origin + ':session'))")

    sign_in(page, servers, staff_login)
    row = page.locator("#waiting-table tbody tr").filter(has_text=f"visitor …{session_id[-6:]}")
    expect(row).to_contain_text("Web chat")
    row.get_by_role("link", name="Open").click()
    page.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page.locator("#status-text")).to_contain_text("With nurse")

    reply = "Hi, this is the admissions team. I'm here now."
    page.get_by_label(re.compile("^Your reply")).fill(reply)
    page.get_by_role("button", name="Send").click()
    expect(person.locator(".iopw-staff").filter(has_text=reply)).to_be_visible(timeout=WAIT * 1000)
    # The widget acknowledged it once shown; the console's page updates itself (no reload) to say so, in words.
    first = page.locator("#transcript li.staff").filter(has_text=reply)
    expect(first.locator(".flag.delivery")).to_have_text("delivered: shown in their chat", timeout=WAIT * 1000)

    # The person closes the page: the next reply reaches no chat, and the console says so at once.
    person.context.close()
    page.wait_for_timeout(1000)  # the server sees the socket close (a WebSocket close: well under a second)
    later = "Are you still there? You can also call us."
    page.get_by_label(re.compile("^Your reply")).fill(later)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="it was not delivered")).to_be_visible(timeout=WAIT * 1000)
    second = page.locator("#transcript li.staff").filter(has_text=later)
    expect(second.locator(".flag.delivery")).to_have_text("not delivered: the person is not on the chat page")
    expect(first.locator(".flag.delivery")).to_have_text("delivered: shown in their chat")


def text_as_twilio(rasa_port: int, sender: str, body: str) -> int:
    """A signed SMS webhook request, as Twilio sends it."""
    import urllib.request
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from tests.servers import SMS_TOKEN

    url = f"http://127.0.0.1:{rasa_port}/webhooks/twilio/webhook"
    params = {"From": sender, "Body": body, "To": "+16175550100", "MessageSid": "SM" + uuid.uuid4().hex}
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator(SMS_TOKEN).compute_signature(url, params)})
    with urllib.request.urlopen(request, timeout=WAIT) as resp:
        return resp.status


def test_a_staff_reply_reaches_a_person_texting_by_sms(page: Page, servers, staff_login):
    twilio = servers["twilio"]
    phone = "+16175550177"
    assert text_as_twilio(servers["rasa"], phone, "can i talk to a real person") == 200
    sign_in(page, servers, staff_login)
    row = page.locator("#waiting-table tbody tr").filter(has_text="[phone …77]")
    expect(row).to_contain_text("SMS")
    row.get_by_role("link", name="Open").click()
    page.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page.locator("#status-text")).to_contain_text("With nurse")
    reply = "Hi, this is the admissions team. Is now a good time to text?"
    page.get_by_label(re.compile("^Your reply")).fill(reply)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#transcript li.staff")).to_contain_text(reply)
    # Twilio took it: the SMS line recorded that, and the console says so on the reply.
    expect(page.locator("#transcript li.staff .flag.sent")).to_have_text("sent by text")
    assert any(JOINED.split(".")[0] in body for body in twilio.to(phone))
    assert reply in twilio.to(phone)


def test_a_crisis_text_after_stop_is_not_texted_and_the_console_shows_the_opt_out_and_refuses_replies(
        page: Page, servers, staff_login):
    twilio = servers["twilio"]
    phone = "+16175550188"
    assert text_as_twilio(servers["rasa"], phone, "STOP") == 200
    assert text_as_twilio(servers["rasa"], phone, PILLS) == 200
    (confirmation,) = twilio.to(phone)  # the opt-out confirmation, and not a word more
    assert "unsubscribed" in confirmation

    sign_in(page, servers, staff_login)
    row = page.locator("#waiting-table tbody tr").filter(has_text="[phone …88]")
    expect(row.locator(".badge.optout")).to_have_text("opted out of texts")
    expect(row.locator(".badge").first).to_have_text(re.compile("Imminent|Urgent"))
    row.get_by_role("link", name="Open").click()
    expect(page.locator("#optout-badge")).to_have_text("Opted out of texts")
    transcript = page.locator("#transcript")
    expect(transcript.locator("li.opted-out")).to_contain_text("Texted STOP")
    expect(transcript.locator("li.person.risk")).to_contain_text(PILLS)
    # What the assistant answered is there, and shown as never texted.
    unsent = transcript.locator("li.assistant.not-sent")
    expect(unsent.first).to_contain_text("988")
    expect(transcript.locator("li.assistant:not(.not-sent)")).to_have_count(0)

    page.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page.locator("#status-text")).to_contain_text("With nurse")
    expect(page.locator("#reply-blocked")).to_contain_text("texted STOP")
    expect(page.locator("#reply-blocked")).to_contain_text("until they text START")
    expect(page.locator("#reply-blocked")).to_contain_text("call them instead")
    expect(page.get_by_label(re.compile("^Your reply"))).to_have_count(0)
    expect(transcript.locator("li.notice.not-sent")).to_contain_text("Someone from our team has joined")

    # The server refuses a reply too, not only the page.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    handoff_url = page.url
    response = page.request.post(handoff_url + "/reply", form={"csrf": csrf, "text": "Are you safe right now?"})
    assert response.status == 409
    assert "texted STOP" in response.text() and "until they text START" in response.text()
    assert twilio.to(phone) == [confirmation]


# ---------- issue 19: accessibility, narrow screens, filters, numbers shown on purpose, callbacks ----------
AXE_JS = Path(os.environ.get("AXE_CORE_JS") or ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js")
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe_source() -> str:  # session scope and first in the test's arguments: a missing axe-core skips at once
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed ({AXE_JS} is missing): run `cd web && npm ci` (web/package.json pins "
                    "it as a development dependency), or point AXE_CORE_JS at an axe.min.js")
    return AXE_JS.read_text()


@pytest.fixture()
def console_data(servers):
    """Rows in the servers' own database: an urgent web chat, an SMS conversation, a staff test and a callback
    request. Closed again afterwards, so the other tests' queues look as they expect."""
    url = servers["env"]["DATABASE_URL"]
    tag = uuid.uuid4().hex[:8]
    phone = "+1617555" + str(uuid.uuid4().int % 10_000).zfill(4)
    data = {
        "urgent": request_handoff(f"web-urgent-{tag}", "socketio", "risk", "urgent", "self_harm", url=url),
        "sms": request_handoff(phone, "twilio", "asked_for_person", "routine", url=url),
        "test": request_handoff(f"staff-test-shell-{tag}", "preview", "risk", "imminent", "suicide", url=url),
        "callback": save_callback(f"web-callback-{tag}", "socketio", "+16175550166", "weekday mornings", url=url),
        "phone": phone, "tag": tag, "url": url,
    }
    yield data
    for key in ("urgent", "sms", "test"):
        try:
            finish(data[key], "nurse", "closed", "browser test done", url=url)
        except HandoffConflict:
            pass


def new_page(browser, width: int, height: int) -> Page:
    # bypass_csp: only so the test can inject axe-core; the console's own pages load no other script.
    return browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True).new_page()


def serious_violations(page: Page, axe_source: str) -> list:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""")
    return [v for v in found if v["impact"] in SERIOUS]


def no_sideways_scrolling(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def test_every_console_page_has_no_serious_or_critical_accessibility_violations(
        axe_source, browser, servers, staff_login, console_data, artifacts):
    for width, height in ((1280, 800), (390, 844)):
        page = new_page(browser, width, height)
        try:
            page.goto(console(servers) + "/login")
            checked = {"login": serious_violations(page, axe_source)}
            sign_in(page, servers, staff_login)
            expect(page.locator("#waiting-table .badge.urgent").first).to_be_visible()  # its contrast is checked
            checked["queue"] = serious_violations(page, axe_source)
            for name, path in (("test queue", "/?tests=1"), ("closed", "/?view=closed"), ("callbacks", "/callbacks"),
                               ("handoff", f"/handoffs/{console_data['sms']}")):
                page.goto(console(servers) + path)
                page.wait_for_load_state("networkidle")
                checked[name] = serious_violations(page, axe_source)
            page.get_by_role("button", name="Show the full number").click()
            expect(page.locator("#phone-link")).to_be_visible()
            checked["handoff, number shown"] = serious_violations(page, axe_source)
            page.screenshot(path=str(artifacts / f"console_handoff_{width}.png"), full_page=True)
            assert {name: found for name, found in checked.items() if found} == {}, f"at {width} px"
        finally:
            page.context.close()


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_the_queue_is_usable_without_sideways_scrolling(browser, servers, staff_login, console_data, artifacts,
                                                        width, height):
    page = new_page(browser, width, height)
    try:
        sign_in(page, servers, staff_login)
        row = page.locator("#waiting-table tbody tr").filter(has_text=console_data["tag"][-6:])
        opener = row.get_by_role("link", name="Open")
        expect(opener).to_be_visible()
        # The page redraws its tables every few seconds (console.js): a row replaced between the check above and
        # this read has no box for a moment; the locator finds the new row on the next try.
        box = None
        for _ in range(50):
            box = opener.bounding_box()
            if box:
                break
            page.wait_for_timeout(100)
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        no_sideways_scrolling(page)
        page.screenshot(path=str(artifacts / f"console_queue_{width}.png"), full_page=True)
        opener.click()
        expect(page.get_by_role("button", name=re.compile("^Claim"))).to_be_visible()
        no_sideways_scrolling(page)
    finally:
        page.context.close()


def test_queue_filters_and_search_hold_while_the_page_updates_itself(page: Page, servers, staff_login, console_data):
    sign_in(page, servers, staff_login)
    page.get_by_role("navigation", name="Show").get_by_role("link", name=re.compile("^Urgent")).click()
    expect(page).to_have_url(re.compile(r"view=urgent"))
    rows = page.locator("#waiting-table tbody tr")
    expect(rows.filter(has_text=console_data["tag"][-6:])).to_have_count(1)
    expect(rows.filter(has_text="[phone …")).to_have_count(0)  # routine: not in the urgent view
    page.wait_for_timeout(5000)  # the page re-renders every few seconds: still the urgent view
    expect(rows.filter(has_text="[phone …")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Urgent"))).to_have_attribute("aria-current", "page")

    page.get_by_label(re.compile("^Find a conversation")).fill(console_data["phone"][-7:])
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(re.compile(r"q=\d+"))
    page.get_by_role("link", name=re.compile("^All open")).click()
    expect(page.locator("#waiting-table tbody tr")).to_have_count(1)
    expect(page.locator("#waiting-table tbody tr")).to_contain_text("[phone …")
    page.wait_for_timeout(5000)
    expect(page.locator("#waiting-table tbody tr")).to_have_count(1)
    # The staff shell's test conversation is in no live view, even searched for by its id.
    page.goto(console(servers) + "/?q=staff-test-shell-" + console_data["tag"])
    expect(page.locator("#waiting-table tbody tr")).to_have_text(["No waiting conversation matches."])
    page.goto(console(servers) + "/?tests=1")
    expect(page.locator("#waiting-table tbody tr").filter(has_text=console_data["tag"][-6:])).to_have_count(1)


def test_an_sms_number_is_shown_on_purpose_with_a_tel_link_and_the_callbacks_view(
        page: Page, servers, staff_login, console_data):
    sign_in(page, servers, staff_login)
    expect(page.locator("#callbacks-count")).to_contain_text(re.compile(r"Callbacks to do: [1-9]"))
    page.goto(console(servers) + f"/handoffs/{console_data['sms']}")
    phone = console_data["phone"]
    expect(page.locator("#phone")).to_contain_text("[phone …" + phone[-2:] + "]")
    expect(page.locator("body")).not_to_contain_text(phone[2:])
    page.get_by_role("button", name="Show the full number").click()
    expect(page.locator("#phone-link")).to_have_attribute("href", "tel:" + phone)
    expect(page.locator("#phone-link")).to_have_text(phone)
    expect(page.locator(".history")).to_contain_text("nurse showed the full phone number")
    page.goto(console(servers) + f"/handoffs/{console_data['sms']}")
    expect(page.locator("body")).not_to_contain_text(phone[2:])  # shown once, to the one who asked

    page.get_by_role("link", name="Callbacks", exact=True).click()
    row = page.locator(f"#callback-{console_data['callback']}")
    expect(row).to_contain_text("weekday mornings")
    expect(row).to_contain_text("[phone …66]")
    row.get_by_role("button", name=re.compile("^Show number")).click()
    row = page.locator(f"#callback-{console_data['callback']}")
    expect(row.get_by_role("link", name="+16175550166")).to_have_attribute("href", "tel:+16175550166")
    expect(row).to_contain_text("Shown to nurse")
    row.get_by_label(re.compile("^Status of the callback")).select_option(label="Done")
    row.get_by_role("button", name="Save").click()
    row = page.locator(f"#callback-{console_data['callback']}")
    expect(row).to_contain_text("Done: nurse")
    expect(row).not_to_contain_text("+16175550166")


# Stands in for the browser's Web Audio: counts the tones the console starts (headless chromium plays nothing).
COUNT_TONES = """
window.__tones = 0;
window.AudioContext = class {
  constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
  resume() { return Promise.resolve(); }
  createOscillator() { return {frequency: {}, connect() {}, start() { window.__tones += 1; }, stop() {}}; }
  createGain() { return {gain: {}, connect() {}}; }
};
"""


def test_an_optional_sound_plays_for_a_new_urgent_conversation_once_turned_on(browser, servers, staff_login, visitor):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(COUNT_TONES)
    page = context.new_page()
    try:
        sign_in(page, servers, staff_login)
        toggle = page.get_by_role("checkbox", name=re.compile("Play a sound when a new urgent conversation arrives"))
        expect(toggle).not_to_be_checked()  # off until someone turns it on
        toggle.check()
        page.wait_for_function("() => window.__tones >= 1")  # a sample when it is turned on
        page.reload()
        expect(page.get_by_role("checkbox", name=re.compile("Play a sound"))).to_be_checked()  # remembered on this computer
        before = page.evaluate("() => window.__tones")
        visitor.say("i took a whole bottle of pills")
        visitor.read_until("911")
        expect(page.locator("#urgent-notice")).to_be_visible(timeout=WAIT * 1000)
        page.wait_for_function(f"() => window.__tones > {before}")

        page.get_by_role("checkbox", name=re.compile("Play a sound")).uncheck()
        page.locator("#urgent-notice").get_by_role("button", name="Dismiss").click()
        quiet = page.evaluate("() => window.__tones")
        second = Visitor(servers["rasa"])
        try:
            second.say("i took a whole bottle of pills")
            second.read_until("911")
            expect(page.locator("#urgent-notice")).to_be_visible(timeout=WAIT * 1000)
        finally:
            second.close()
        assert page.evaluate("() => window.__tones") == quiet  # turned off: the alert shows, silently
    finally:
        context.close()
