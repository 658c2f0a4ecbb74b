"""Real-browser fixtures: the servers of `make run` and Debian's chromium driven by Playwright, and two
clinic websites on other origins, one the bot allows (ALLOWED_ORIGINS) and one it does not.

`make test-deps` installs chromium (Debian package) and the widget's npm modules; Playwright's own
browser download cannot be used here, so it is pointed at /usr/bin/chromium.

Against servers you started yourself (with bot.server.channels.widget.ChatWidget in the credentials):
  ALLOWED_ORIGINS=http://localhost:5180 RASA_PORT=5105 scripts/run.sh
  WIDGET_TEST_RASA_PORT=5105 WIDGET_TEST_SITE_PORT=5180 .venv/bin/python -m pytest tests/browser/test_widget.py
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.core.settings import ROOT
from tests.servers import FakeTwilio, start_servers, stop_servers

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags chromium keeps calling hosts this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Site:
    """A clinic's website: a static HTTP server on 127.0.0.1, addressed as localhost, so its pages have
    another origin than the bot's (http://127.0.0.1:<port>). A real server: Chromium refuses a page that
    the test fulfils itself access to the loopback address."""

    def __init__(self, port: int = 0) -> None:
        self.files: dict = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                found = files.get(self.path.split("?")[0])
                if found is None:
                    self.send_error(404)
                    return
                body, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, body, content_type: str = "text/html; charset=utf-8") -> str:
        self.files[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def allowed_site():
    """A clinic site listed in the servers' ALLOWED_ORIGINS."""
    site = Site(int(os.environ.get("WIDGET_TEST_SITE_PORT") or 0))
    yield site
    site.close()


@pytest.fixture(scope="session")
def refused_site():
    """Another site, not listed: a page there must not be able to talk to the bot."""
    site = Site()
    yield site
    site.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory, allowed_site):
    twilio = FakeTwilio()  # the SMS line is on, texting a fake Twilio API on 127.0.0.1
    running = start_servers(tmp_path_factory.mktemp("browser-run"), twilio,
                            extra_env={"ALLOWED_ORIGINS": allowed_site.origin})
    running["twilio"] = twilio
    yield running
    stop_servers(running)
    twilio.close()


@pytest.fixture(scope="session")
def rasa_url(request) -> str:
    """The bot's own origin: the servers started for the tests, or yours (WIDGET_TEST_RASA_PORT)."""
    port = os.environ.get("WIDGET_TEST_RASA_PORT") or request.getfixturevalue("servers")["rasa"]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def chat_url(rasa_url) -> str:
    return f"{rasa_url}/webhooks/chat/"


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run `make test-deps` (Debian package chromium)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture()
def page(browser, artifacts, request):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    yield page
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    except Exception:  # a closed page has nothing to show; the test's own result is what matters
        pass
    context.close()
