"""Issue 21: the dashboard's figures against a seeded database, its page (inline SVG, no script) and CSVs."""
import csv
import io
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.console import dashboard, review
from bot.console import auth
from bot.storage.db import session_scope
from bot.storage.handoffs import request_handoff
from bot.storage.models import CallbackRequest, Handoff, ScreeningResult
from bot.storage.screening import save_callback, save_screening
from tests import review_seed as seed
from tests.console.test_console_app import PASSWORD, run_console, sign_in

UTC = ZoneInfo("UTC")
AT = datetime.fromtimestamp(seed.DAY, timezone.utc)


def seed_database(url):
    seed.seed_tracker(url)
    made = [request_handoff("web-a", "socketio", "risk", "urgent", "suicide"),
            request_handoff("web-b", "socketio", "risk", "imminent", "overdose"),
            request_handoff("web-c", "socketio", "risk", "urgent", "suicide"),
            request_handoff("web-d", "socketio", "asked_for_person", "routine", None),
            request_handoff("staff-test-x", "preview", "risk", "imminent", "suicide")]
    joined = [timedelta(minutes=3), timedelta(minutes=20), None, timedelta(minutes=1), timedelta(minutes=1)]
    for conv, outcome in (("web-screen-00000000001", "iop_may_fit"), ("web-e", "detox_first"),
                          ("staff-test-y", "iop_may_fit")):
        save_screening(conv, "socketio", outcome, [], {})
    for conv in ("web-f", "web-g", "web-h", "staff-test-z"):
        save_callback(conv, "socketio", "+16175550199", "mornings")
    with session_scope(url) as s:
        for hid, wait in zip(made, joined, strict=True):
            row = s.get(Handoff, hid)
            row.created_at = AT
            row.claimed_at = AT + wait if wait else None
        for row in s.query(ScreeningResult):
            row.created_at = AT
        for row, status in zip(s.query(CallbackRequest).order_by(CallbackRequest.id),
                               ("called", "no_answer", "new", "called"), strict=True):
            row.created_at, row.status = AT, status
        old = Handoff(conversation_id="web-old", channel="socketio", reason="risk", urgency="urgent",
                      category="violence", created_at=AT - timedelta(days=30))
        s.add(old)


@pytest.fixture()
def seeded(project_db):
    seed_database(project_db)
    auth.add_user("sam", PASSWORD, url=project_db)
    review._engine.cache_clear()
    return project_db


def figures_of(url):
    start, end, problem = dashboard.date_range("2026-11-20", "2026-11-21", UTC)
    assert problem == ""
    return {f["name"]: f for f in dashboard.figures(start, end, UTC, url)}


def test_figures_against_a_seeded_database(seeded):
    f = figures_of(seeded)
    assert f["conversations"]["rows"] == [["2026-11-20", "web chat", 4], ["2026-11-20", "text (SMS)", 1]]
    assert f["escalations"]["rows"] == [["suicide", "urgent", 1], ["suicide", "check", 1]]  # not the test's
    assert dict(map(tuple, f["time_to_join"]["rows"])) == {
        "under 2 minutes": 0, "2 to 5 minutes": 1, "5 to 15 minutes": 0, "15 to 60 minutes": 1,
        "over an hour": 0, "nobody joined": 1}
    assert "after 11.5 minutes at the median" in f["time_to_join"]["summary"]
    assert f["fallback_rate"]["rows"] == [["2026-11-20", 11, 1, 9.1], ["2026-11-21", 0, 0, 0]]
    assert f["screens"]["rows"] == [["started", 1], ["finished", 2], ["outcome: iop_may_fit", 1],
                                    ["outcome: detox_first", 1]]
    assert sorted(f["faq_topics"]["rows"]) == [["insurance", 1], ["start_date", 1], ["virtual", 1]]
    assert f["callbacks"]["rows"] == [["requested", 3], ["done", 1], ["no answer", 1], ["to do", 1]]
    for figure in f.values():
        svg = str(figure["svg"])
        assert svg.startswith("<svg") and 'role="img"' in svg and "<script" not in svg
    assert str(f["escalations"]["svg"]).count("<rect") == 2 + 2  # one bar in two parts, a two-entry legend
    assert str(f["escalations"]["svg"]).count('fill="#b35900"') == 2  # urgent: its own colour, legend and bar
    # A percentage is drawn against 100%: 9.1% is under a tenth of the full width (380 px).
    assert 'width="34.6"' in str(f["fallback_rate"]["svg"])


def test_an_empty_range_and_unreadable_dates():
    start, end, problem = dashboard.date_range("yesterday", None, UTC, today=date(2026, 12, 6))
    assert "could not be read" in problem and (end - start).days == dashboard.DEFAULT_DAYS
    start, end, problem = dashboard.date_range("2020-01-01", "2026-12-06", UTC)
    assert "At most a year" in problem and (end - start).days == dashboard.MAX_DAYS
    svg = dashboard.bars_svg("x", "T <b>", "s", [], ["a"])
    assert "Nothing in these days" in svg and "<b>" not in svg


def test_the_dashboard_page_and_its_csv_downloads(seeded):
    async def scenario(client, rasa):
        await sign_in(client, "sam")
        page = await (await client.get("/dashboard?from=2026-11-20&to=2026-11-20")).text()
        assert page.count("<svg") == len(dashboard.FIGURES) and "<script>" not in page
        assert "Conversations per day, by channel" in page and 'href="/dashboard"' in page
        for name in dashboard.FIGURES:
            assert f"/dashboard/{name}.csv?from=2026-11-20&amp;to=2026-11-20" in page
        resp = await client.get("/dashboard/escalations.csv?from=2026-11-20&to=2026-11-20")
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
        assert "escalations-2026-11-20-to-2026-11-20.csv" in resp.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await resp.text())))
        assert rows[0] == ["category", "urgency", "escalations"] and ["suicide", "check", "1"] in rows
        assert (await client.get("/dashboard/nothing.csv")).status == 404

    run_console(seeded, scenario)


def test_the_dashboard_needs_signing_in(seeded):
    async def scenario(client, rasa):
        resp = await client.get("/dashboard", allow_redirects=False)
        assert resp.status == 303
        resp = await client.get("/dashboard/callbacks.csv", allow_redirects=False)
        assert resp.status == 303

    run_console(seeded, scenario)
