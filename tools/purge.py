"""`make purge`: deletes what is older than the clinic's retention period (clinic.yml: retention_days).

Open-source Rasa keeps every message forever; this is the project's retention. It deletes whole
conversations from Rasa's tracker store (every event of a conversation whose last event is older than the
cutoff), and handoffs, screening results and callback requests created before the cutoff. SMS opt-outs
are kept while they are in force (a number that said STOP must stay opted out); an opt-in older than
the cutoff is deleted. The staff shell's test conversations (ids starting "staff-test-") go after one day,
with their handoffs, screening results and callback requests. Run it daily, e.g. from cron:
`cd /path/to/bot && make purge`.
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from typing import Dict, Optional

from sqlalchemy import MetaData, Table, and_, create_engine, delete, func, or_, select

from bot.core.ids import TEST_PREFIX

from bot.core.profile import ProfileError, current_profile
from bot.core.settings import tracker_database_url
from bot.storage.db import session_scope
from bot.storage.erase import delete_events
from bot.storage.models import CallbackRequest, Handoff, MessageDelivery, ScreeningResult, SmsOptOut


TEST_RETENTION = timedelta(days=1)


def purge(retention_days: int, now: Optional[datetime] = None, db_url: Optional[str] = None,
          tracker_url: Optional[str] = None) -> Dict[str, int]:
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=retention_days)
    test_cutoff = max(cutoff, now - TEST_RETENTION)
    counts: Dict[str, int] = {}
    with session_scope(db_url) as session:
        for name, model in (("handoffs", Handoff), ("screening_results", ScreeningResult),
                            ("callback_requests", CallbackRequest), ("message_deliveries", MessageDelivery)):
            test = and_(model.conversation_id.like(f"{TEST_PREFIX}%"), model.created_at < test_cutoff)
            counts[name] = session.execute(delete(model).where(or_(model.created_at < cutoff, test))
                                           .execution_options(synchronize_session=False)).rowcount
        counts["sms_opt_ins"] = session.execute(
            delete(SmsOptOut).where(SmsOptOut.opted_out == 0, SmsOptOut.updated_at < cutoff)).rowcount
    from bot.console.auth import purge_expired_sessions  # staff sign-ins that have expired

    counts["staff_sessions"] = purge_expired_sessions(now, db_url)
    engine = create_engine(tracker_url or tracker_database_url(), future=True)
    try:
        try:
            events = Table("events", MetaData(), autoload_with=engine)
        except Exception:  # no conversation stored yet
            counts["conversations"] = 0
            return counts
        with engine.connect() as conn:
            last = func.max(events.c.timestamp)
            stale = select(events.c.sender_id).group_by(events.c.sender_id).having(or_(
                last < cutoff.timestamp(),
                and_(events.c.sender_id.like(f"{TEST_PREFIX}%"), last < test_cutoff.timestamp())))
            senders = [row[0] for row in conn.execute(stale)]
        counts["conversations"] = delete_events(engine, senders)
        return counts
    finally:
        engine.dispose()


def main() -> int:
    try:
        days = current_profile().retention_days
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = purge(days)
    print(f"purged data older than {days} days: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
