"""Retention: everything older than the retention period goes, recent data and active opt-outs stay."""
import asyncio
from datetime import datetime, timedelta, timezone

from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.handoffs import open_handoffs, request_handoff
from bot.storage.models import CallbackRequest, Handoff, MessageDelivery, ScreeningResult, SmsOptOut
from bot.storage.db import session_scope
from bot.storage.screening import callbacks, save_callback, save_screening, screenings
from bot.storage.sms import deliveries_of, is_opted_out, record_delivery, set_opted_out
from bot.server.tracker_store import UrlSQLTrackerStore
from tools.purge import purge

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=100)


def age_everything(url, conversation_id, when):
    with session_scope(url) as s:
        for model in (Handoff, ScreeningResult, CallbackRequest, MessageDelivery):
            for row in s.query(model).filter_by(conversation_id=conversation_id):
                row.created_at = when


def test_purge_deletes_old_data_and_keeps_recent_and_opt_outs(project_db, tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = UrlSQLTrackerStore(url=tracker_url)
    asyncio.run(store.save(DialogueStateTracker.from_events("old", [UserUttered("hi", timestamp=OLD.timestamp())])))
    asyncio.run(store.save(DialogueStateTracker.from_events("new", [UserUttered("hi", timestamp=NOW.timestamp())])))
    for conv in ("old", "new"):
        request_handoff(conv, "rest", "risk", "urgent", "suicide")
        save_screening(conv, "rest", "iop_may_fit", ["more_than_weekly"], {"frequency": "daily"})
        save_callback(conv, "rest", "+16175550199", "mornings")
        record_delivery(conv.ljust(32, "0").encode().hex()[:32], conv, "sent")
    age_everything(project_db, "old", OLD)
    set_opted_out("+16175550101", True)
    set_opted_out("+16175550102", False)
    with session_scope(project_db) as s:
        for row in s.query(SmsOptOut):
            row.updated_at = OLD

    counts = purge(90, now=NOW, tracker_url=tracker_url)

    assert counts == {"handoffs": 1, "screening_results": 1, "callback_requests": 1, "message_deliveries": 1,
                      "sms_opt_ins": 1, "staff_sessions": 0, "conversations": 1}
    assert deliveries_of("old") == {} and list(deliveries_of("new").values()) == ["sent"]
    assert [h.conversation_id for h in open_handoffs()] == ["new"]
    assert [r.conversation_id for r in screenings()] == ["new"] and [c.conversation_id for c in callbacks()] == ["new"]
    assert sorted(asyncio.run(UrlSQLTrackerStore(url=tracker_url).keys())) == ["new"]
    assert is_opted_out("+16175550101")  # an opt-out in force is never purged


def test_the_staff_shells_test_conversations_go_after_a_day(project_db, tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = UrlSQLTrackerStore(url=tracker_url)
    two_days = NOW - timedelta(days=2)
    for conv, when in (("staff-test-old", two_days), ("staff-test-new", NOW), ("caller", two_days)):
        asyncio.run(store.save(DialogueStateTracker.from_events(conv, [UserUttered("hi", timestamp=when.timestamp())])))
        request_handoff(conv, "preview" if conv.startswith("staff") else "rest", "risk", "urgent", "suicide")
        age_everything(project_db, conv, when)

    counts = purge(90, now=NOW, tracker_url=tracker_url)

    assert counts["handoffs"] == 1 and counts["conversations"] == 1
    assert sorted(asyncio.run(UrlSQLTrackerStore(url=tracker_url).keys())) == ["caller", "staff-test-new"]
    assert [h.conversation_id for h in open_handoffs()] == ["caller"]  # the live list; the new test is kept
    assert [h.conversation_id for h in open_handoffs(tests=True)] == ["staff-test-new"]
