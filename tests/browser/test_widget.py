"""The website chat widget in a real browser, against the real servers (`servers` in conftest.py).

Each test checks what a person would notice: the crisis line and the privacy notice, answers, buttons,
the crisis and result cards, a reload, a dropped connection, the keyboard alone, a narrow or zoomed
screen, and text that must stay text. No timings are asserted: Playwright's `expect` waits (up to 30 s,
as the first answer can be slow on 2 cores). Screenshots go to test-artifacts/.

Against servers you started yourself: see conftest.py. Pages on other sites: test_widget_origins.py.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from bot.core import wording
from bot.core.profile import load_profile

WAIT = 30_000
expect.set_options(timeout=WAIT)
PROFILE = load_profile()
# Innermost focused element, through the widget's shadow root.
FOCUSED = """() => { let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  const s = a ? getComputedStyle(a) : null;
  return a ? {text: (a.getAttribute('aria-label') || a.textContent || '').trim(), tag: a.tagName,
              cls: a.className, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)} : null; }"""


def open_chat(page: Page, chat_url: str):
    page.goto(chat_url)
    page.get_by_role("button", name="Chat with us").click()
    box = page.get_by_label("Type your message")
    expect(box).to_be_focused()
    return box


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Type your message")
    box.fill(text)
    box.press("Enter")


def bot_says(page: Page, text: str):
    return page.locator(".iopw-bot").filter(has_text=text).last


def panel(page: Page):
    return page.locator("#iopw-panel")


def test_the_crisis_line_and_the_privacy_notice_are_there_before_anything_is_typed(page, chat_url, artifacts):
    page.goto(chat_url)
    # Closed: the crisis line is already on screen.
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    page.get_by_role("button", name="Chat with us").click()
    chat = panel(page)
    expect(chat.get_by_text("In danger now?")).to_be_visible()
    expect(chat.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    expect(chat.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(chat.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(chat.get_by_role("button", name="Talk to a person")).to_be_visible()
    notice = chat.locator(".iopw-notice")
    expect(notice).to_contain_text("automated assistant, not a person or a clinician")
    expect(notice).to_contain_text(f"stored on our server for {PROFILE.retention_days} days")
    expect(notice).to_contain_text("not for emergencies")
    expect(chat.get_by_role("heading", name=f"{PROFILE.program_name} chat")).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_be_visible()
    unnamed = page.evaluate("""() => [...document.querySelector('#iop-chat-widget').shadowRoot
        .querySelectorAll('button, a, input')].filter((e) => e.offsetParent !== null &&
        !(e.getAttribute('aria-label') || e.textContent.trim() || (e.labels && e.labels.length))).map((e) => e.outerHTML)""")
    assert unnamed == [], "every control needs a name a screen reader can say"
    page.screenshot(path=str(artifacts / "widget-open.png"))


def test_the_crisis_wording_comes_from_the_served_config_and_the_built_in_copy_is_the_last_resort(page, chat_url):
    """config.json carries domain.yml's crisis wording (bot/server/channels/widget.py, tests/server/test_widget_channel.py). Here
    it is marked on its way to the page, and the socket.io client cannot load: the widget says the served words.
    Without config.json it falls back to its built-in copy, which is domain.yml's wording too."""
    failed = wording.text("utter_widget_failed")

    def marked(route):
        response = route.fetch()
        config = response.json()
        assert config["crisis"]["texts"]["failed"] == failed
        config["crisis"]["texts"]["failed"] = failed + " (served)"
        config["crisis"]["lines"]["emergency"] = ["Call 911 (served)", "tel:911"]
        route.fulfill(response=response, json=config)

    config_json = re.compile(r"/webhooks/chat/config\.json$")
    page.route(config_json, marked)
    page.route(re.compile(r"/socket\.io\.min\.js$"), lambda route: route.abort())
    page.goto(chat_url)
    expect(page.get_by_role("link", name="Call 911 (served)").first).to_have_attribute("href", "tel:911")
    page.get_by_role("button", name="Chat with us").click()
    status = panel(page).get_by_role("status")
    expect(status).to_have_text(failed + " (served)")
    expect(panel(page).get_by_role("link", name="Call 911 (served)")).to_be_visible()

    page.unroute(config_json)
    page.route(config_json, lambda route: route.abort())
    page.reload()  # the chat stays open (this tab's storage) and the client still cannot load
    expect(status).to_have_text(failed)
    expect(panel(page).get_by_role("link", name="Call 911", exact=True)).to_have_attribute("href", "tel:911")


def test_an_faq_is_answered(page, chat_url):
    open_chat(page, chat_url)
    say(page, "do you take my insurance")
    expect(page.locator(".iopw-user").filter(has_text="do you take my insurance")).to_be_visible()
    expect(bot_says(page, "We work with")).to_contain_text(PROFILE.insurance_accepted[0])
    # The widget has a button for a person: the answer points to it rather than to typing "person".
    expect(bot_says(page, "We work with")).to_contain_text("\u201cTalk to a person\u201d button")
    # The admissions number in the answer is tap-to-call.
    expect(bot_says(page, "We work with").get_by_role("link", name=PROFILE.phone)).to_have_attribute(
        "href", "tel:+1" + re.sub(r"\D", "", PROFILE.phone)[-10:])


def test_talk_to_a_person_asks_for_the_team(page, chat_url):
    open_chat(page, chat_url)
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator(".iopw-user").filter(has_text="talk to a person")).to_be_visible()
    expect(page.locator(".iopw-bot").filter(has_text=re.compile("our team", re.I)).last).to_be_visible()


def test_a_quick_reply_sends_its_choice(page, chat_url):
    open_chat(page, chat_url)
    page.get_by_role("group", name="Suggested replies").get_by_role("button", name="What is IOP?").click()
    expect(page.locator(".iopw-user").filter(has_text="What is IOP?")).to_be_visible()
    expect(bot_says(page, "intensive outpatient program")).to_be_visible()
    # The bot's own buttons work the same way.
    say(page, "is iop right for me")
    expect(bot_says(page, "what do you use")).to_be_visible()
    say(page, "beer")
    replies = page.get_by_role("group", name="Suggested replies")
    replies.get_by_role("button", name="Some days each week").click()
    expect(page.locator(".iopw-user").filter(has_text="Some days each week")).to_be_visible()
    expect(bot_says(page, "shakes, sweats")).to_be_visible()


def test_the_screen_ends_in_a_result_card_with_the_next_step(page, chat_url, artifacts):
    open_chat(page, chat_url)
    say(page, "is iop right for me")
    expect(bot_says(page, "what do you use")).to_be_visible()
    say(page, "weed")
    replies = page.get_by_role("group", name="Suggested replies")
    for expected_question, choice in [("How often", "Every day"), ("shakes, sweats", "No"),
                                      ("medical problem", "No"), ("mental-health", "No"),
                                      ("9 hours a week", "Yes"), ("gone back to using", "No"),
                                      ("home safe", "Yes")]:
        expect(bot_says(page, expected_question)).to_be_visible()
        replies.get_by_role("button", name=choice, exact=True).click()
    card = page.locator(".iopw-card-result")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="IOP may be a good fit")).to_be_visible()
    expect(card).to_contain_text("not a diagnosis")
    expect(card.get_by_role("link", name=re.compile("Call admissions"))).to_have_attribute(
        "href", "tel:+1" + re.sub(r"\D", "", PROFILE.phone)[-10:])
    expect(replies.get_by_role("button", name="Request a callback")).to_be_visible()
    card.screenshot(path=str(artifacts / "widget-result-card.png"))


def test_a_crisis_message_shows_the_crisis_card_with_tap_to_call(page, chat_url, artifacts):
    open_chat(page, chat_url)
    say(page, "i want to kill myself")
    expect(bot_says(page, "988")).to_be_visible()
    card = page.locator(".iopw-card-crisis")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading")).to_have_text(re.compile("get help now|Help is available"))
    expect(card.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(card.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(card.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    # The crisis line at the top is still there too.
    expect(panel(page).locator(".iopw-crisis").get_by_role("link", name="Call 911")).to_be_visible()
    page.screenshot(path=str(artifacts / "widget-crisis.png"))


def test_a_reload_keeps_the_conversation_and_the_same_session(page, chat_url):
    open_chat(page, chat_url)
    say(page, "is iop right for me")
    expect(bot_says(page, "what do you use")).to_be_visible()
    say(page, "alcohol")
    expect(bot_says(page, "How often")).to_be_visible()
    session = page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith(':session'))[1]")

    page.reload()
    # The history is back, the chat is still open, and the question's buttons are still offered.
    expect(page.locator(".iopw-user").filter(has_text="alcohol")).to_be_visible()
    expect(bot_says(page, "How often")).to_be_visible()
    assert page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith(':session'))[1]") == session
    # Same conversation on the server: the screen goes on to its next question.
    page.get_by_role("group", name="Suggested replies").get_by_role("button", name="Less often").click()
    expect(bot_says(page, "shakes, sweats")).to_be_visible()


def held_texts(frames: list) -> list:
    """The texts of the bot_uttered socket.io frames (`42["bot_uttered", {...}]`) the Switch held back."""
    import json

    texts = []
    for frame in frames:
        frame = frame.decode() if isinstance(frame, bytes) else str(frame)
        event, data = json.loads(frame[frame.index("["):])[:2]
        if event == "bot_uttered" and isinstance(data, dict) and (data.get("text") or "").strip():
            texts.append(data["text"].strip())
    return texts


class Switch:
    """Puts the test between the page and the socket.io server, to drop the connection or hold answers."""

    def __init__(self, page: Page) -> None:
        self.offline = False
        self.hold = False
        self.held: list = []
        self.sent: list = []
        self.routes: list = []
        page.route_web_socket(re.compile(r"/socket\.io/"), self.on_socket)
        # The widget falls back to long-polling when WebSocket fails: that way is closed while offline.
        page.route(re.compile(r"/socket\.io/\?"), lambda route: route.abort() if self.offline else route.continue_())

    def on_socket(self, ws: WebSocketRoute) -> None:
        if self.offline:
            ws.close()
            return
        server = ws.connect_to_server()
        self.routes.append(ws)

        def to_server(message):
            self.sent.append(message)
            server.send(message)

        def to_page(message):
            if self.hold and "bot_uttered" in str(message):
                self.held.append(message)
            else:
                ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def drop(self) -> None:
        self.offline = True
        for ws in self.routes:
            ws.close()
        self.routes.clear()

    def release(self, ws_send) -> None:
        self.hold = False
        for message in self.held:
            ws_send(message)
        self.held.clear()


def test_a_dropped_connection_shows_reconnecting_and_sends_what_was_typed_once(page, chat_url, artifacts):
    switch = Switch(page)
    open_chat(page, chat_url)
    say(page, "hi")
    expect(bot_says(page, "automated")).to_be_visible()

    switch.drop()
    status = panel(page).get_by_role("status")
    expect(status).to_contain_text("Reconnecting")
    say(page, "do you take my insurance")
    mine = page.locator(".iopw-user").filter(has_text="do you take my insurance")
    expect(mine).to_contain_text("Waiting to send")
    # The crisis line stays usable while offline.
    expect(panel(page).locator(".iopw-crisis").get_by_role("link", name="Call 911")).to_be_visible()
    page.screenshot(path=str(artifacts / "widget-reconnecting.png"))

    switch.offline = False  # the client's own backoff brings it back
    expect(bot_says(page, "We work with")).to_be_visible()
    expect(status).to_be_hidden()
    expect(mine).not_to_contain_text("Waiting to send")
    assert sum("do you take my insurance" in str(m) for m in switch.sent) == 1


def test_an_answer_sent_while_the_connection_was_down_arrives_after_reconnecting(page, chat_url):
    switch = Switch(page)
    open_chat(page, chat_url)
    say(page, "hi")
    expect(bot_says(page, "automated")).to_be_visible()

    switch.hold = True  # the answer leaves the server but never reaches the page: the line went down
    say(page, "do you take my insurance")
    for _ in range(100):
        if switch.held:
            break
        page.wait_for_timeout(100)
    assert switch.held, "the server did not answer"
    page.wait_for_timeout(1000)  # the rest of the turn
    lost = held_texts(switch.held)  # whatever the answer says: the channel must deliver it, once
    assert lost, "the server's answer had no text"
    switch.held.clear()
    switch.hold = False
    switch.drop()
    expect(panel(page).get_by_role("status")).to_contain_text("Reconnecting")
    switch.offline = False
    for text in lost:
        expect(page.locator(".iopw-bot").filter(has_text=text)).to_have_count(1)
    # What it already had is not sent again.
    expect(page.locator(".iopw-bot").filter(has_text="automated")).to_have_count(1)


def test_a_staff_reply_is_shown_as_the_teams_not_the_assistants(page, chat_url, artifacts):
    import json

    switch = Switch(page)
    open_chat(page, chat_url)
    say(page, "hi")
    expect(bot_says(page, "automated")).to_be_visible()
    # What the server sends when a staff member joins and replies from the console (bot/server/channels/socketio.py).
    for payload in ({"text": "A member of our admissions team has joined.", "console_notice": True},
                    {"text": "Hi, this is Sam from admissions.", "staff": True}):
        switch.routes[-1].send("42" + json.dumps(["bot_uttered", payload]))
    staff = page.locator(".iopw-staff").filter(has_text="Hi, this is Sam from admissions.")
    expect(staff).to_be_visible()
    expect(staff.locator(".iopw-from")).to_have_text("Admissions team")
    expect(staff).not_to_contain_text("Assistant")
    expect(page.locator(".iopw-event").filter(has_text="has joined")).to_be_visible()
    page.screenshot(path=str(artifacts / "widget-staff-reply.png"))


def test_a_typing_indicator_shows_while_the_bot_answers(page, chat_url):
    switch = Switch(page)
    open_chat(page, chat_url)
    expect(panel(page).get_by_role("status")).to_be_hidden()  # connected
    switch.hold = True
    say(page, "how long does iop last")
    typing = page.get_by_text("The assistant is typing")
    expect(typing).to_be_visible()
    # Wait for the server's answer to reach the test, then let it through.
    for _ in range(WAIT // 200):
        if switch.held:
            break
        page.wait_for_timeout(200)
    assert switch.held, "the bot did not answer"
    page.wait_for_timeout(1000)  # the rest of the turn
    answer = held_texts(switch.held)
    assert answer, "the server's answer had no text"
    route = switch.routes[-1]
    switch.release(route.send)
    for text in answer:
        expect(bot_says(page, text)).to_be_visible()
    expect(typing).to_be_hidden()


def test_keyboard_alone(page, chat_url):
    page.goto(chat_url)
    for _ in range(30):  # Tab through the page to the chat's button
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["text"] == "Chat with us":
            break
    else:
        pytest.fail("Tab never reached the chat button")
    focus = page.evaluate(FOCUSED)
    assert focus["outline"] != "none" and focus["width"] >= 2, "the focus must be visible"
    page.keyboard.press("Enter")
    box = page.get_by_label("Type your message")
    expect(box).to_be_focused()
    page.keyboard.type("is iop right for me")
    page.keyboard.press("Enter")
    expect(bot_says(page, "what do you use")).to_be_visible()
    page.keyboard.type("beer")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Every day")).to_be_visible()
    for _ in range(5):  # Tab from the message box past Send to the first suggested reply
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        if "iopw-reply" in focus["cls"]:
            break
    else:
        pytest.fail("Tab never reached a suggested reply")
    assert focus["outline"] != "none" and focus["width"] >= 2
    chosen = focus["text"]
    page.keyboard.press("Enter")
    expect(page.locator(".iopw-user").filter(has_text=chosen)).to_be_visible()
    expect(bot_says(page, "shakes, sweats")).to_be_visible()
    expect(box).to_be_focused()  # the pressed button is gone; the keyboard stays in the chat


def test_markup_is_shown_as_text_and_never_run(page, chat_url, artifacts):
    switch = Switch(page)
    page.add_init_script("window.__xss = 0;")
    open_chat(page, chat_url)
    typed = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>'
    say(page, typed)
    expect(page.locator(".iopw-user").filter(has_text=typed)).to_be_visible()
    expect(page.locator(".iopw-bot").first).to_be_visible()  # the bot's answer, whatever it is
    # A bot message with markup (as if a response or a button were badly written) is text too.
    evil = '<img src=y onerror="window.__xss=3">'
    switch.routes[-1].send('42["bot_uttered",{"text":"Hello ' + evil.replace('"', '\\"') + '","quick_replies":'
                           '[{"title":"' + evil.replace('"', '\\"') + '","payload":"hi"}]}]')
    expect(bot_says(page, "Hello <img")).to_have_text(re.compile(re.escape(evil)))
    expect(page.get_by_role("button", name=evil)).to_be_visible()
    widget = "document.querySelector('#iop-chat-widget').shadowRoot"
    assert page.evaluate(f"() => {widget}.querySelectorAll('.iopw-log img, .iopw-log script, .iopw-log b, "
                         ".iopw-replies img').length") == 0
    page.reload()  # the restored transcript is rendered as text too
    expect(page.locator(".iopw-user").filter(has_text=typed)).to_be_visible()
    assert page.evaluate(f"() => {widget}.querySelectorAll('.iopw-log img, .iopw-log script').length") == 0
    assert page.evaluate("() => window.__xss") == 0
    page.screenshot(path=str(artifacts / "widget-markup-as-text.png"))


@pytest.fixture()
def clinic_site(chat_url, allowed_site):
    """A page of the clinic's site (in ALLOWED_ORIGINS) with only the one script tag, and a style that would
    clash if it leaked into the widget."""
    return allowed_site.add("/one-tag.html", "<!doctype html><title>Clinic</title>"
                            "<style>button { background: lime !important; }</style>"
                            f'<h1>Our clinic</h1><script src="{chat_url}widget.js" defer></script>')


def test_one_script_tag_on_another_site_is_enough(page, clinic_site, artifacts):
    page.goto(clinic_site)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_role("heading", name=f"{PROFILE.program_name} chat")).to_be_visible()  # config.json
    say(page, "i want to kill myself")
    expect(page.locator(".iopw-card-crisis").get_by_role("link", name="Call 988")).to_be_visible()
    send = page.get_by_role("button", name="Send")
    assert send.evaluate("(b) => getComputedStyle(b).backgroundColor") != "rgb(0, 255, 0)"
    page.screenshot(path=str(artifacts / "widget-other-site.png"))


@pytest.mark.parametrize("width, height, name", [(320, 640, "320px"), (640, 400, "zoom-200")])
def test_narrow_and_zoomed_screens_have_no_sideways_scroll(page, chat_url, artifacts, width, height, name):
    # 640x400 CSS pixels is what a 1280x800 window shows at 200% zoom.
    page.set_viewport_size({"width": width, "height": height})
    open_chat(page, chat_url)
    say(page, "do you take my insurance")
    expect(bot_says(page, "We work with")).to_be_visible()
    say(page, "i want to kill myself")
    expect(page.locator(".iopw-card-crisis")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    panel_box = panel(page).bounding_box()
    assert panel_box["x"] >= 0 and panel_box["x"] + panel_box["width"] <= width
    assert page.evaluate("() => { const p = document.querySelector('#iop-chat-widget').shadowRoot"
                         ".querySelector('#iopw-panel'); return p.scrollWidth <= p.clientWidth; }")
    # The crisis line and the message box stay on screen.
    for locator in (panel(page).locator(".iopw-crisis").get_by_role("link", name="Call 911"),
                    page.get_by_label("Type your message")):
        expect(locator).to_be_in_viewport()
    page.screenshot(path=str(artifacts / f"widget-{name}.png"))


def test_a_staff_reply_with_a_delivery_id_is_acknowledged_only_once_it_is_shown(page, chat_url):
    """The console shows a web-chat reply "delivered" when the widget acknowledges it (bot/server/channels/socketio.py):
    the widget does so for a message that carries a delivery id, once it is in the open chat."""
    import json

    switch = Switch(page)
    open_chat(page, chat_url)
    say(page, "hi")
    expect(bot_says(page, "automated")).to_be_visible()
    page.get_by_role("button", name="Close chat").click()  # the chat is closed: only the launcher shows
    delivery = "0123456789abcdef0123456789abcdef"
    # socket.io EVENT packets asking for an acknowledgement (ids 901 and 902), as python-socketio sends them.
    switch.routes[-1].send("42901" + json.dumps(["bot_uttered", {"text": "Hi, this is the admissions team.",
                                                                 "staff": True, "delivery": delivery}]))
    switch.routes[-1].send("42902" + json.dumps(["bot_uttered", {"text": "An answer with no delivery id."}]))
    page.wait_for_timeout(1000)

    def acks():
        return [str(m) for m in switch.sent if str(m).startswith("43")]

    assert acks() == []  # not shown yet: nothing acknowledged
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".iopw-staff").filter(has_text="Hi, this is the admissions team.")).to_be_visible()
    for _ in range(50):  # the acknowledgement goes out through the page's socket
        if acks():
            break
        page.wait_for_timeout(100)
    assert acks() == ["43901[true]"]  # the staff reply only: a message without a delivery id is never acknowledged
