"""Issue 21 in a real browser: the review page (a reviewer labels, confirms, and is told a second reviewer is
needed) and the dashboard (a date range, SVG figures, a CSV download), both checked with axe-core.

Only the console is started (`python -m bot.console serve`, for real, in its own process): these pages read the
database, never Rasa's HTTP API. Its database is seeded with tests/review_seed.py's conversations.
"""
from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.console import auth
from bot.core.settings import ROOT
from bot.storage import migrate
from tools.local_servers import free_port
from tests import review_seed as seed

PASSWORD = "review page test password"
AXE_JS = Path(os.environ.get("AXE_CORE_JS") or ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js")


@pytest.fixture(scope="module")
def console_only(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review-console")
    url = f"sqlite:///{tmp / 'iop.db'}"
    migrate.upgrade(url)
    seed.seed_tracker(url, at=time.time() - 3600)
    auth.add_user("rita", PASSWORD, url=url, role="reviewer")
    auth.add_user("ravi", PASSWORD, url=url, role="reviewer")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_DATABASE_URL": url, "CONSOLE_PORT": str(port),
           "CONSOLE_HOST": "127.0.0.1", "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_API_TOKEN": "unused",
           "CONSOLE_SECRET": "review-browser-test-secret", "IOP_VAR_DIR": str(tmp)}
    log = open(tmp / "console.log", "w")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "bot.console", "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("the console did not start: " + (tmp / "console.log").read_text()[-2000:])
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


def serious_violations(page: Page) -> list:
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed ({AXE_JS} is missing): run `cd web && npm ci`")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def signed_in(browser, base: str, who: str, width: int = 1280) -> Page:
    # bypass_csp: only so the test can inject axe-core; the console's pages load no other script.
    page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
    page.goto(base + "/login")
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations waiting for a person")).to_be_visible()
    return page


def item(page: Page, text: str):
    """The review item of that message (its text can also be in its neighbours' context)."""
    return page.locator("article.review-item").filter(has=page.locator("strong.message", has_text=text))


def test_a_reviewer_confirms_labels_and_a_not_risk_needs_a_second_reviewer(browser, console_only, artifacts):
    page = signed_in(browser, console_only, "rita")
    try:
        page.get_by_role("link", name="Review").click()
        expect(page.get_by_role("heading", name="Review what the bot understood")).to_be_visible()
        assert serious_violations(page) == []
        expect(page.get_by_text(seed.TEST_TEXT)).to_have_count(0)
        expect(item(page, "[phone …42]")).to_have_count(1)  # masked on the page
        expect(page.get_by_text("617-555-0142")).to_have_count(0)

        wrong = item(page, seed.WRONG_FAQ)
        expect(wrong).to_contain_text("Next, the person said the answer was wrong")
        wrong.get_by_role("button", name="The bot was right").click()
        expect(item(page, seed.WRONG_FAQ)).to_contain_text("Topic: FAQ: virtual (the bot was right by rita)")

        escalated = item(page, seed.ESCALATED)
        expect(escalated).to_contain_text("suicide, urgent")
        escalated.get_by_label("Risk").select_option("none")
        escalated.get_by_role("button", name="Save risk").click()
        expect(page.get_by_role("alert")).to_contain_text("A second reviewer needs to agree")
        expect(item(page, seed.ESCALATED)).to_contain_text("waiting for a second reviewer (someone other than you)")

        unsure = item(page, seed.UNSURE)
        unsure.get_by_label('The answer to "withdrawal" was').select_option("yes")
        unsure.get_by_role("button", name="Save answer").click()
        expect(item(page, seed.UNSURE)).to_contain_text("Screen answer: yes (labelled by rita)")
        assert serious_violations(page) == []
        page.screenshot(path=str(artifacts / "console_review.png"), full_page=True)
    finally:
        page.context.close()

    second = signed_in(browser, console_only, "ravi", width=390)
    try:
        second.goto(console_only + "/review")
        escalated = item(second, seed.ESCALATED)
        escalated.get_by_label("Risk").select_option("none")
        escalated.get_by_role("button", name="Save risk").click()
        expect(item(second, seed.ESCALATED)).to_contain_text("Risk: not a risk (labelled by rita and ravi)")
        assert second.evaluate("() => document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
        assert serious_violations(second) == []
    finally:
        second.context.close()


def test_the_dashboard_draws_its_figures_and_downloads_a_csv(browser, console_only, artifacts):
    page = signed_in(browser, console_only, "ravi")
    try:
        page.get_by_role("link", name="Dashboard").click()
        expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
        expect(page.locator("svg.figure")).to_have_count(7)
        expect(page.get_by_role("img", name="Conversations per day, by channel")).to_be_visible()
        expect(page.locator("#figure-fallback_rate .summary")).to_contain_text("1 of 11 messages got the fallback")
        assert serious_violations(page) == []
        page.screenshot(path=str(artifacts / "console_dashboard.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download “Top FAQ topics” as CSV").click()
        body = Path(download.value.path()).read_text()
        assert body.splitlines()[0] == "topic,questions" and "virtual,1" in body
        page.get_by_label("From", exact=True).fill("2020-01-01")
        page.get_by_label("To", exact=True).fill("2020-01-03")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#figure-faq_topics")).to_contain_text("0 questions answered")
        assert serious_violations(page) == []
    finally:
        page.context.close()
