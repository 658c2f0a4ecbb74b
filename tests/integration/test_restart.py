"""Killing every server mid-conversation and starting them again loses nothing: conversations continue
from the SQL tracker store, and handoffs are still there. A database that goes down does not stop the
answers, and storage resumes when it is back."""
import os
import signal
import sqlite3

from tools.local_servers import PostgresServer
from tests.pg import started
from tests.servers import post, start_servers, stop_servers

SCREEN = ["oxy and percs", "every day", "no", "no", "no", "yeah i can do that", "no", "i live alone"]


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_a_hard_kill_mid_conversation_loses_nothing(tmp_path):
    first = start_servers(tmp_path)
    try:
        port = first["rasa"]
        post(port, "rs-screen", "is iop right for me")
        for answer in SCREEN[:4]:
            post(port, "rs-screen", answer)
        post(port, "rs-person", "can i talk to a real person")
        post(port, "rs-crisis", "i want to kill myself")
    finally:
        os.killpg(first["proc"].pid, signal.SIGKILL)  # no clean shutdown: as if the machine lost power
        first["proc"].wait(timeout=30)

    second = start_servers(tmp_path)
    try:
        port = second["rasa"]
        replies = []
        for answer in SCREEN[4:]:
            replies = post(port, "rs-screen", answer)
        # The screen picks up at the fifth question and ends with the result of all eight answers.
        assert any(r.get("custom", {}).get("screening", {}).get("outcome") == "iop_may_fit" for r in replies)
        db = sqlite3.connect(second["db"])
        handoffs = dict(db.execute("select conversation_id, urgency from handoffs").fetchall())
        assert handoffs == {"rs-person": "routine", "rs-crisis": "urgent"}
        # The crisis conversation still remembers the risk: a "jk" afterwards does not make it cheerful.
        assert "988" in texts(post(port, "rs-crisis", "jk lol"))
    finally:
        stop_servers(second)


def test_a_database_that_goes_down_still_gets_answers_and_storage_recovers(tmp_path):
    from sqlalchemy import create_engine, text

    pg = started(PostgresServer)
    running = None
    try:
        running = start_servers(tmp_path, extra_env={"DATABASE_URL": pg.url, "TRACKER_DATABASE_URL": pg.url})
        port = running["rasa"]
        assert "Harbor Light Recovery" in texts(post(port, "db-before", "hi"))
        pg.stop()
        # Down: Rasa keeps answering from memory; a crisis still gets the numbers written out.
        assert texts(post(port, "db-down", "do you take medicaid"))
        crisis = post(port, "db-down-crisis", "i took all my pills")
        assert "911" in texts(crisis)
        assert any("escalation" in r.get("custom", {}) for r in crisis)
        pg.start()
        for _ in range(3):  # the first queries after the restart may meet connections the server dropped
            post(port, "db-after", "how long does the program last")
        engine = create_engine(pg.url)
        with engine.connect() as conn:
            stored = conn.execute(text("select count(*) from events where sender_id = 'db-after' and type_name = 'user'"))
            assert stored.scalar() >= 1
            assert conn.execute(text("select count(*) from events where sender_id = 'db-before'")).scalar() > 0
        engine.dispose()
    finally:
        if running is not None:
            stop_servers(running)
        pg.remove()
