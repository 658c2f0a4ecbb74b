"""The chat on the clinic's own website, another origin than the bot's server: ALLOWED_ORIGINS.

The servers run with ALLOWED_ORIGINS set to `allowed_site` (conftest.py); `refused_site` is any other
site. Each page is served by that site's own HTTP server on localhost, and loads the widget's script from
the bot (http://127.0.0.1:<port>), or rasa-webchat (web/node_modules, pinned by web/package-lock.json) from
the site itself, as a clinic would host it.

What a browser does is the test: from an allowed site the widget works over WebSocket and over socket.io's
polling transport (which needs CORS headers) and reads the clinic's details (config.json, CORS too), and
rasa-webchat, which starts with polling, connects and chats. From any other site the socket.io handshake is
refused on both transports, config.json cannot be read, and neither chat connects; the widget still shows the
crisis numbers. The probes are run inside the page, so the browser sends the page's real Origin header.
"""
from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect

from bot.core.profile import load_profile
from bot.core.settings import ROOT
from tools.local_servers import free_port

WAIT = 30_000
expect.set_options(timeout=WAIT)
PROFILE = load_profile()
WEBCHAT = ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
STUCK = "Still trying to connect… If you are in danger, call 911, or call or text 988."

# From inside a page: can it open socket.io's WebSocket, and read socket.io's polling handshake and the
# widget's config.json? Each answer is what the browser allowed the page to see.
PROBE = """async (bot) => {
  const ws = await new Promise((done) => {
    const socket = new WebSocket(bot.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket&probe=1');
    socket.onmessage = (m) => { socket.close(); done(String(m.data).startsWith('0{') ? 'open' : 'odd'); };
    socket.onerror = () => done('refused');
  });
  const read = (url) => fetch(url, { credentials: 'omit' })
    .then((r) => r.text().then((t) => r.status + ' ' + t.slice(0, 2)), () => 'blocked');
  return { websocket: ws, polling: await read(bot + '/socket.io/?EIO=4&transport=polling'),
           config: await read(bot + '/webhooks/chat/config.json') };
}"""


def widget_page(site, chat_url: str, name: str) -> str:
    return site.add(f"/{name}.html", "<!doctype html><title>Clinic</title><h1>Our clinic</h1>"
                                     f'<script src="{chat_url}widget.js" defer></script>')


def webchat_page(site, rasa_url: str, name: str) -> str:
    """rasa-webchat the way its README embeds it, pointed at the bot's socket.io channel, with the opening
    message the README (Channels) asks for: without one it sends an empty message when opened."""
    if not WEBCHAT.is_file():
        pytest.fail("rasa-webchat is not installed: run `make test-deps` (npm ci in web/)")
    site.add("/rasa-webchat.js", WEBCHAT.read_bytes(), "application/javascript; charset=utf-8")
    return site.add(f"/{name}.html", f"""<!doctype html><title>Clinic</title><h1>Our clinic</h1>
<script src="/rasa-webchat.js"></script>
<script>
  WebChat.default({{ socketUrl: "{rasa_url}", socketPath: "/socket.io/", title: "Clinic chat",
                     initPayload: "hi", params: {{ storage: "session" }} }}, null);
</script>""")


def only_polling(page: Page) -> None:
    """Every WebSocket the page's scripts open to socket.io fails to connect, as behind a proxy that does not
    pass WebSockets on (the probes excepted): the widget then falls back to socket.io's polling transport,
    which a page on another site can use only with CORS headers."""
    closed = free_port()  # nothing listens there: a real connection failure, not a mocked socket
    page.add_init_script(f"""(() => {{
      const Real = window.WebSocket;
      window.WebSocket = new Proxy(Real, {{ construct(target, [url, protocols]) {{
        if (/\\/socket\\.io\\//.test(String(url)) && !/[?&]probe=/.test(String(url))) url = "ws://127.0.0.1:{closed}/";
        return protocols === undefined ? new target(url) : new target(url, protocols);
      }} }});
    }})();""")


def socketio_requests(page: Page) -> list:
    seen: list = []
    page.on("requestfinished", lambda r: seen.append(r.url) if "/socket.io/" in r.url else None)
    return seen


def open_widget(page: Page):
    page.get_by_role("button", name="Chat with us").click()
    return page.get_by_label("Type your message")


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Type your message")
    box.fill(text)
    box.press("Enter")


# ---------- the project's widget ----------

def test_on_an_allowed_site_the_widget_works_over_polling_and_reads_the_clinics_details(
        page, allowed_site, chat_url, rasa_url, artifacts):
    only_polling(page)
    polled = socketio_requests(page)
    page.goto(widget_page(allowed_site, chat_url, "widget-polling"))
    open_widget(page)
    expect(page.get_by_role("heading", name=f"{PROFILE.program_name} chat")).to_be_visible()  # config.json
    say(page, "i want to kill myself")
    expect(page.locator(".iopw-card-crisis").get_by_role("link", name="Call 988")).to_be_visible()
    assert any("transport=polling" in url for url in polled)
    page.screenshot(path=str(artifacts / "widget-allowed-site-polling.png"))
    # The page may read what it needs, and nothing wider than its own origin is granted.
    assert page.evaluate(PROBE, rasa_url) == {"websocket": "open", "polling": "200 0{", "config": "200 {\""}


def test_on_a_refused_site_the_widget_cannot_connect_but_shows_the_crisis_numbers(
        page, refused_site, chat_url, rasa_url, artifacts):
    page.goto(widget_page(refused_site, chat_url, "widget-refused"))
    box = open_widget(page)
    status = page.locator("#iopw-panel").get_by_role("status")
    expect(status).to_have_text(STUCK)
    crisis_bar = page.locator("#iopw-panel .iopw-crisis")
    for name in ("Call 911", "Call 988", "Text 988"):
        expect(crisis_bar.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("heading", name="Helpline chat")).to_be_visible()  # config.json was not readable
    box.fill("i want to kill myself")
    box.press("Enter")
    mine = page.locator(".iopw-user").filter(has_text="i want to kill myself")
    expect(mine).to_contain_text("Waiting to send")
    page.wait_for_timeout(3000)  # a few reconnection attempts: still refused
    expect(status).to_have_text(STUCK)
    expect(page.locator(".iopw-bot")).to_have_count(0)
    page.screenshot(path=str(artifacts / "widget-refused-site.png"))
    assert page.evaluate(PROBE, rasa_url) == {"websocket": "refused", "polling": "blocked", "config": "blocked"}


def test_the_bots_own_demo_page_still_works_over_polling_too(page, chat_url, rasa_url):
    """A guard, not the change's proof: ALLOWED_ORIGINS lists another site, and the bot's own page must
    still get through (its origin is never in the list) on the transport that checks CORS as well."""
    only_polling(page)
    polled = socketio_requests(page)
    page.goto(chat_url)
    open_widget(page)
    say(page, "i want to kill myself")
    expect(page.locator(".iopw-card-crisis").get_by_role("link", name="Call 988")).to_be_visible()
    assert any("transport=polling" in url for url in polled)
    assert page.evaluate(PROBE, rasa_url) == {"websocket": "open", "polling": "200 0{", "config": "200 {\""}


# ---------- rasa-webchat, the ecosystem's widget ----------

def test_rasa_webchat_on_an_allowed_site_connects_and_chats(page, allowed_site, rasa_url, artifacts):
    page.goto(webchat_page(allowed_site, rasa_url, "webchat-allowed"))
    # rasa-webchat hides its launcher until the socket.io session is confirmed.
    page.locator(".rw-launcher").click()
    replies = page.locator(".rw-response")
    expect(replies.filter(has_text="automated").first).to_be_visible()  # the greeting, for "hi"
    page.wait_for_timeout(1000)  # the rest of that turn
    before = replies.count()
    box = page.locator(".rw-new-message")
    box.fill("i want to kill myself")
    box.press("Enter")
    # The crisis reply, with its numbers written out, comes to rasa-webchat too.
    expect(replies.nth(before)).to_contain_text("988")
    expect(page.locator(".rw-client").filter(has_text="i want to kill myself")).to_be_visible()
    page.screenshot(path=str(artifacts / "webchat-allowed-site.png"))


def test_rasa_webchat_on_a_refused_site_never_connects(page, refused_site, rasa_url, artifacts):
    failed: list = []
    page.on("requestfailed", lambda r: failed.append(r.url) if "/socket.io/" in r.url else None)
    page.goto(webchat_page(refused_site, rasa_url, "webchat-refused"))
    for _ in range(100):  # its first handshakes have been tried and refused
        if len(failed) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(failed) >= 2, "rasa-webchat did not try to connect"
    page.wait_for_timeout(2000)
    expect(page.locator(".rw-launcher")).to_have_count(0)  # shown only once connected
    expect(page.locator(".rw-response")).to_have_count(0)
    page.screenshot(path=str(artifacts / "webchat-refused-site.png"))
    assert page.evaluate(PROBE, rasa_url) == {"websocket": "refused", "polling": "blocked", "config": "blocked"}
