"""The handoff queue, staff accounts and sessions, and their migrations: each test runs against SQLite
and against a real PostgreSQL server (tests/pg.py starts a throwaway one)."""
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, text, update

from bot.console import auth
from bot.core.settings import ROOT
from bot.storage import migrate
from bot.storage.db import session_scope
from bot.storage.callbacks import (count_to_do, find_callbacks, last_reveals, record_reveal, reveals_of,
                                   set_status)
from bot.storage.handoffs import (HandoffConflict, actions_of, claim, claim_started, find_handoffs, finish,
                                  get_handoff, hand_back, open_handoffs, queue_counts, recently_closed, release,
                                  request_handoff, urgent_waiting)
from bot.storage.models import CallbackRequest, Handoff, NumberReveal, StaffSession, utcnow
from bot.storage.screening import save_callback
from tools.purge import purge
from tests.pg import postgres_url  # noqa: F401  (fixture)

CONSOLE_TABLES = {"staff_users", "staff_sessions", "staff_actions"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    """A new, empty database on each backend (not migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'iop.db'}"
    server = request.getfixturevalue("postgres_url")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture()
def db(empty_db, monkeypatch):
    migrate.upgrade(empty_db)
    monkeypatch.setenv("DATABASE_URL", empty_db)
    return empty_db


def tables(url):
    engine = create_engine(url, future=True)
    try:
        found = inspect(engine)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("handoffs")}
    finally:
        engine.dispose()


def test_migration_0004_adds_the_console_tables_and_keeps_existing_handoffs(empty_db):
    migrate.upgrade(empty_db, "0003")  # a database deployed before the console
    engine = create_engine(empty_db, future=True)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO handoffs (conversation_id, channel, reason, urgency, status, created_at, "
                          "updated_at) VALUES ('old-conv', 'socketio', 'risk', 'urgent', 'waiting', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    engine.dispose()

    migrate.upgrade(empty_db)
    names, columns = tables(empty_db)
    assert CONSOLE_TABLES <= names and {"claimed_at", "closed_by", "resolution"} <= columns
    (kept,) = open_handoffs(empty_db)
    assert (kept.conversation_id, kept.urgency, kept.claimed_by) == ("old-conv", "urgent", None)

    migrate.downgrade(empty_db, "0003")
    names, columns = tables(empty_db)
    assert not CONSOLE_TABLES & names and "resolution" not in columns and "handoffs" in names
    migrate.downgrade(empty_db, "base")
    migrate.upgrade(empty_db)
    assert CONSOLE_TABLES <= tables(empty_db)[0]


def test_migration_0005_adds_notes_to_staff_actions_and_keeps_them(empty_db):
    migrate.upgrade(empty_db, "0004")
    hid = request_handoff("old-conv", "socketio", "risk", "urgent", "suicide", url=empty_db)
    engine = create_engine(empty_db, future=True)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_actions (handoff_id, username, action, at) "
                          "VALUES (:h, 'alice', 'claim', CURRENT_TIMESTAMP)"), {"h": hid})
    engine.dispose()
    migrate.upgrade(empty_db)
    (kept,) = actions_of(hid, empty_db)
    assert (kept.action, kept.note) == ("claim", None)
    migrate.downgrade(empty_db, "0004")
    engine = create_engine(empty_db, future=True)
    assert "note" not in {c["name"] for c in inspect(engine).get_columns("staff_actions")}
    engine.dispose()


def test_the_queue_survives_a_restart(db):
    request_handoff("web-routine", "socketio", "asked_for_person", "routine")
    request_handoff("web-imminent", "socketio", "risk", "imminent", "overdose")
    claim(request_handoff("sms-urgent", "twilio", "risk", "urgent", "self_harm"), "alice")
    # A new process, as after a server restart, reads the same queue.
    out = subprocess.run(
        [sys.executable, "-c", "from bot.storage.handoffs import open_handoffs\n"
                               "for h in open_handoffs(): print(h.conversation_id, h.status, h.claimed_by)"],
        env={**os.environ, "DATABASE_URL": db, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["web-imminent waiting None", "sms-urgent claimed alice",
                                       "web-routine waiting None"]


def test_claim_hand_back_and_close_are_recorded_with_who_and_when(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    claimed = claim(hid, "alice")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "alice") and claimed.claimed_at is not None
    with pytest.raises(HandoffConflict, match="alice has already claimed"):
        claim(hid, "bob")
    assert claim(hid, "bob", take_over=True).claimed_by == "bob"
    done = finish(hid, "bob", "handed_back", "  answered the question ")
    assert (done.status, done.resolution, done.closed_by, done.note) == ("closed", "handed_back", "bob",
                                                                         "answered the question")
    assert done.closed_at is not None
    with pytest.raises(HandoffConflict, match="already closed by bob"):
        finish(hid, "alice", "closed", "again")
    assert [(a.username, a.action) for a in actions_of(hid)] == [("alice", "claim"), ("bob", "take_over"),
                                                                  ("bob", "hand_back")]
    assert [h.id for h in recently_closed()] == [hid] and open_handoffs() == []
    # Asking again later opens a new handoff: the closed one is history.
    assert request_handoff("web-1", "socketio", "asked_for_person", "routine") != hid


def test_a_claim_that_could_not_pause_the_assistant_goes_back_to_waiting(db):
    hid = request_handoff("web-1", "socketio", "risk", "urgent", "suicide")
    claim(hid, "alice")
    release(hid, "alice")
    assert (get_handoff(hid).status, get_handoff(hid).claimed_by) == ("waiting", None)
    assert claim(hid, "bob").claimed_by == "bob"


def test_only_one_of_many_simultaneous_claims_wins(db):
    hid = request_handoff("web-1", "socketio", "risk", "imminent", "overdose")
    start = threading.Barrier(6)

    def try_claim(name):
        start.wait()
        try:
            claim(hid, name)
            return name
        except HandoffConflict:
            return None

    with ThreadPoolExecutor(6) as pool:
        winners = [w for w in pool.map(try_claim, [f"staff{i}" for i in range(6)]) if w]
    assert len(winners) == 1 and get_handoff(hid).claimed_by == winners[0]
    assert [a.action for a in actions_of(hid)] == ["claim"]


def test_a_risk_message_while_claimed_makes_the_handoff_urgent_and_keeps_the_staff_member(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    claim(hid, "alice")
    assert request_handoff("web-1", "socketio", "risk", "imminent", "suicide") == hid
    handoff = get_handoff(hid)
    assert (handoff.urgency, handoff.reason, handoff.status, handoff.claimed_by) == ("imminent", "risk", "claimed",
                                                                                      "alice")


def test_a_hand_back_at_risk_stays_in_the_queue_urgent_and_unclaimed_with_the_note(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    seen = claim(hid, "alice")
    back = hand_back(hid, "alice", "  Said she has pills; would not say where she is. ", at_risk=True,
                     category="overdose", seen=seen)
    assert (back.status, back.claimed_by, back.claimed_at, back.closed_at) == ("waiting", None, None, None)
    assert (back.urgency, back.reason, back.category) == ("urgent", "risk", "overdose")
    assert [(a.username, a.action, a.note) for a in actions_of(hid)] == [
        ("alice", "claim", None), ("alice", "requeue", "Said she has pills; would not say where she is.")]
    assert [h.id for h in open_handoffs()] == [hid] and recently_closed() == []
    # Claimed again by someone else, it can then be handed back as usual.
    seen = claim(hid, "bob")
    assert hand_back(hid, "bob", seen=seen).status == "closed"


def test_a_hand_back_at_risk_never_lowers_an_imminent_handoff(db):
    hid = request_handoff("web-1", "socketio", "risk", "urgent", "suicide")
    seen = claim(hid, "alice")
    request_handoff("web-1", "socketio", "risk", "imminent", "overdose")  # the risk message, while claimed
    back = hand_back(hid, "alice", "note", at_risk=True, category="overdose", seen=seen)
    assert (back.status, back.urgency, back.category) == ("waiting", "imminent", "overdose")


def test_a_risk_message_recorded_while_handing_back_keeps_the_handoff_open(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    seen = claim(hid, "alice")
    # The console found no risk message, then one arrived before the handoff closed: the guard recorded it.
    request_handoff("web-1", "socketio", "risk", "imminent", "suicide")
    back = hand_back(hid, "alice", "", seen=seen)
    assert (back.status, back.urgency, back.claimed_by) == ("waiting", "imminent", None)
    assert [a.action for a in actions_of(hid)] == ["claim", "requeue"]


def test_a_hand_back_without_risk_closes_but_not_one_someone_else_took_over(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    seen = claim(hid, "alice")
    claim(hid, "bob", take_over=True)
    with pytest.raises(HandoffConflict, match="bob has already claimed"):
        hand_back(hid, "alice", "", seen=seen)
    assert get_handoff(hid).status == "claimed"
    done = hand_back(hid, "bob", "answered", seen=get_handoff(hid))
    assert (done.status, done.resolution, done.note) == ("closed", "handed_back", "answered")


def test_the_claim_starts_with_the_latest_claim_and_a_take_over_carries_it_on(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    assert claim_started(hid) is None
    first = claim(hid, "alice").claimed_at
    claim(hid, "bob", take_over=True)
    assert claim_started(hid) == first
    hand_back(hid, "bob", "note", at_risk=True, category="suicide")
    again = claim(hid, "carol").claimed_at
    assert claim_started(hid) == again and again > first


def test_opted_out_numbers_and_since_when(db):
    from bot.storage.sms import opted_out_since, set_opted_out

    set_opted_out("+16175550101", True)
    set_opted_out("+16175550102", True)
    set_opted_out("+16175550102", False)
    found = opted_out_since(["+16175550101", "+16175550102", "+16175550103"])
    assert list(found) == ["+16175550101"] and found["+16175550101"] is not None
    assert opted_out_since([]) == {}


def test_an_ask_directly_risk_message_while_claimed_makes_the_handoff_urgent(db):
    hid = request_handoff("web-1", "socketio", "asked_for_person", "routine")
    claim(hid, "alice")
    # The learned model's "check" tier, as the channel guard passes it for a conversation staff have.
    assert request_handoff("web-1", "socketio", "risk", "check", "suicide") == hid
    assert (get_handoff(hid).urgency, get_handoff(hid).reason) == ("urgent", "risk")


def test_retention_deletes_old_handoffs_with_their_staff_actions(db, tmp_path):
    old = request_handoff("old", "socketio", "asked_for_person", "routine")
    claim(old, "alice")
    finish(old, "alice", "closed", "done")
    new = request_handoff("new", "socketio", "asked_for_person", "routine")
    claim(new, "alice")
    with session_scope(db) as s:
        s.execute(update(Handoff).where(Handoff.id == old).values(created_at=utcnow() - timedelta(days=100)))
    counts = purge(90, db_url=db, tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    assert counts["handoffs"] == 1
    assert actions_of(old) == [] and [a.action for a in actions_of(new)] == ["claim"]


def test_accounts_passwords_and_sessions(db):
    with pytest.raises(auth.AccountError, match="at least 12"):
        auth.add_user("alice", "too short")
    uid = auth.add_user("Alice", "a long enough password")
    with pytest.raises(auth.AccountError, match="already an account"):
        auth.add_user("alice", "another long password")
    assert auth.authenticate("alice", "wrong password!!") is None
    assert auth.authenticate("nobody", "a long enough password") is None
    assert auth.authenticate(" ALICE ", "a long enough password") == uid

    token = auth.start_session(uid)
    me = auth.current_session(token)
    assert me.username == "alice" and me.csrf_token and me.token_hash != token
    with session_scope(db) as s:
        stored = [row.token_hash for row in s.query(StaffSession)]
    assert token not in stored  # only a keyed hash is kept
    assert auth.current_session(token + "x") is None

    with session_scope(db) as s:
        s.execute(update(StaffSession).values(last_seen_at=utcnow() - auth.IDLE - timedelta(minutes=1)))
    assert auth.current_session(token) is None  # idle too long, and removed
    second = auth.start_session(uid)
    with session_scope(db) as s:
        s.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert auth.purge_expired_sessions() == 1 and auth.current_session(second) is None

    third = auth.start_session(uid)
    auth.set_password("alice", "a brand new password")
    assert auth.current_session(third) is None  # a new password ends every session
    assert auth.authenticate("alice", "a brand new password") == uid
    auth.start_session(uid)
    assert auth.remove_user("alice") and auth.list_users() == []
    with session_scope(db) as s:
        assert s.query(StaffSession).count() == 0


def test_the_migrations_build_exactly_what_the_models_describe(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.storage.models import Base

    engine = create_engine(db, future=True)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_migration_0006_adds_number_reveals_and_callback_status_fields_and_keeps_callbacks(empty_db):
    migrate.upgrade(empty_db, "0005")
    engine = create_engine(empty_db, future=True)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO callback_requests (conversation_id, channel, phone, best_time, status, "
                          "created_at) VALUES ('+16175550142', 'twilio', '+16175550142', 'mornings', 'new', "
                          "CURRENT_TIMESTAMP)"))
    engine.dispose()
    migrate.upgrade(empty_db)
    names, _ = tables(empty_db)
    assert {"number_reveals", "message_deliveries"} <= names
    (kept,) = find_callbacks(url=empty_db)[0]
    assert (kept.phone, kept.status, kept.status_by) == ("+16175550142", "new", None)
    migrate.downgrade(empty_db, "0005")
    engine = create_engine(empty_db, future=True)
    assert not {"number_reveals", "message_deliveries"} & set(inspect(engine).get_table_names())
    assert "status_by" not in {c["name"] for c in inspect(engine).get_columns("callback_requests")}
    engine.dispose()


def test_queue_views_filter_page_and_search_and_keep_test_conversations_out(db):
    ids = [request_handoff(f"web-{i:03d}", "socketio", "asked_for_person", "routine") for i in range(120)]
    urgent = request_handoff("web-urgent", "socketio", "risk", "imminent", "suicide")
    request_handoff("staff-test-shell-1", "preview", "risk", "imminent", "suicide")
    claim(ids[5], "alice")
    claim(ids[6], "bob")
    closed = request_handoff("+16175550142", "twilio", "asked_for_person", "routine")
    claim(closed, "alice")
    finish(closed, "alice", "closed", "called back")

    first, total = find_handoffs("open", page=1)
    assert total == 121 and len(first) == 50 and first[0].id == urgent  # urgent first, then longest waiting
    last, _ = find_handoffs("open", page=3)
    assert len(last) == 21 and [h.status for h in last[-2:]] == ["claimed", "claimed"]  # waiting before claimed
    seen = [h.id for p in (1, 2, 3) for h in find_handoffs("open", page=p)[0]]
    assert len(seen) == len(set(seen)) == 121
    assert [h.id for h in find_handoffs("urgent")[0]] == [urgent]
    assert find_handoffs("waiting")[1] == 119
    assert [h.id for h in find_handoffs("mine", username="alice")[0]] == [ids[5]]
    assert [h.id for h in find_handoffs("closed")[0]] == [closed]
    assert [h.id for h in find_handoffs("open", search="web-01")[0]] == ids[10:20]
    assert [h.id for h in find_handoffs("closed", search="5550142")[0]] == [closed]
    assert find_handoffs("open", search="%")[1] == 0 and find_handoffs("open", search="_")[1] == 0
    assert [h.conversation_id for h in find_handoffs("open", tests=True)[0]] == ["staff-test-shell-1"]
    assert find_handoffs("urgent", search="staff-test")[1] == 0
    assert [h.id for h in urgent_waiting()] == [urgent]
    assert queue_counts("alice") == {"open": 121, "waiting": 119, "claimed": 2, "urgent": 1, "mine": 1}


def test_callback_status_and_number_reveals_are_recorded_with_who_and_when(db, tmp_path):
    first = save_callback("web-1", "socketio", "+16175550101", "weekday mornings")
    second = save_callback("web-2", "socketio", "+16175550102", "after 5pm")
    save_callback("staff-test-shell-1", "preview", "+16175550103", "any time")
    assert count_to_do() == 2
    assert set_status(first, "no_answer", "alice") and not set_status(999, "called", "alice")
    with pytest.raises(ValueError):
        set_status(first, "lost", "alice")
    rows, total = find_callbacks()
    assert total == 2 and [r.id for r in rows] == [second, first]  # to do first
    assert (rows[1].status, rows[1].status_by) == ("no_answer", "alice") and rows[1].status_at is not None
    assert count_to_do() == 1

    hid = request_handoff("+16175550142", "twilio", "risk", "imminent", "overdose")
    record_reveal("alice", handoff_id=hid)
    record_reveal("bob", callback_id=first)
    with pytest.raises(ValueError):
        record_reveal("bob")
    assert [(r.username, r.handoff_id) for r in reveals_of(handoff_id=hid)] == [("alice", hid)]
    assert last_reveals([first, second])[first].username == "bob"
    # Retention deletes the reveals with their handoff and callback request.
    with session_scope(db) as s:
        s.execute(update(Handoff).values(created_at=utcnow() - timedelta(days=100)))
        s.execute(update(CallbackRequest).values(created_at=utcnow() - timedelta(days=100)))
    purge(90, db_url=db, tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    with session_scope(db) as s:
        assert s.query(NumberReveal).count() == 0
