"""The project's SQL tracker store stores exactly what Rasa's would, without counting stored events again
for a tracker it has read or written itself."""
import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.tracker_store import UrlSQLTrackerStore

DOMAIN = Domain.load("domain.yml")


def turn(n):
    return [UserUttered(f"message {n}", {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_greet"),
            BotUttered(f"answer {n}"), ActionExecuted("action_listen")]


@pytest.fixture
def stores(tmp_path):
    ours = UrlSQLTrackerStore(DOMAIN, url=f"sqlite:///{tmp_path / 'ours.db'}")
    rasas = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    return ours, rasas


def converse(store, turns, sender="c1", session_break_at=None):
    for n in range(turns):
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
        if n == session_break_at:
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
        for event in turn(n) + ([SlotSet("risk_category", f"c{n}")] if n % 2 else []):
            tracker.update(event)
        asyncio.run(store.save(tracker))


def stored(store, sender="c1"):
    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    return [e.as_dict() | {"timestamp": None} for e in tracker.events]


def test_turn_after_turn_it_stores_what_rasa_stores(stores):
    ours, rasas = stores
    converse(ours, 6)
    converse(rasas, 6)
    assert stored(ours) == stored(rasas)
    assert len(stored(ours)) == 6 * 4 + 3


def test_across_a_new_session_too(stores):
    ours, rasas = stores
    converse(ours, 5, session_break_at=3)
    converse(rasas, 5, session_break_at=3)
    assert stored(ours) == stored(rasas)
    assert [e.text for e in asyncio.run(ours.retrieve("c1")).events if isinstance(e, BotUttered)] == \
        ["answer 3", "answer 4"]


def test_a_tracker_it_read_is_saved_without_counting(stores, monkeypatch):
    ours, _ = stores
    converse(ours, 2)
    monkeypatch.setattr(SQLTrackerStore, "_additional_events",
                        lambda *a: pytest.fail("counted the stored events again"))
    converse(ours, 2)
    assert len(stored(ours)) == 4 * 4 + 2


def test_a_tracker_from_elsewhere_is_still_counted(stores):
    ours, _ = stores
    converse(ours, 2)
    # Read by Rasa's own store on the same database: ours has not seen this tracker object.
    elsewhere = asyncio.run(SQLTrackerStore(DOMAIN, dialect="sqlite", db=ours.engine.url.database).retrieve("c1"))
    for event in turn(2):
        elsewhere.update(event)
    asyncio.run(ours.save(elsewhere))  # Rasa's count finds the stored events and adds only the new turn
    texts = [e.text for e in asyncio.run(ours.retrieve("c1")).events if isinstance(e, UserUttered)]
    assert texts == ["message 0", "message 1", "message 2"]


def test_events_are_stored_in_order_with_their_columns(stores):
    from sqlalchemy import create_engine, text

    ours, _ = stores
    converse(ours, 2)
    with create_engine(str(ours.engine.url)).connect() as conn:
        rows = conn.execute(text("select type_name, intent_name, action_name from events order by id")).all()
    assert rows[:4] == [("user", "greet", None), ("action", None, "utter_greet"), ("bot", None, None),
                        ("action", None, "action_listen")]
    assert len(rows) == 9
