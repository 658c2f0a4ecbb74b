"""Real-browser fixtures: the servers of `make run` and Debian's chromium driven by Playwright.

`make test-deps` installs chromium (Debian package) and the widget's npm modules; Playwright's own
browser download cannot be used here, so it is pointed at /usr/bin/chromium.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.settings import ROOT
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


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    twilio = FakeTwilio()  # the SMS line is on, texting a fake Twilio API on 127.0.0.1
    running = start_servers(tmp_path_factory.mktemp("browser-run"), twilio)
    running["twilio"] = twilio
    yield running
    stop_servers(running)
    twilio.close()


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
