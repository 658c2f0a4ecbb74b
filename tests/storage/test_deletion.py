"""'Delete my chat': the project's rows go at once, the transcript after the turn is saved; an open
urgent handoff stays so a person at risk is still followed up."""
import asyncio
import uuid

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, text

from actions.privacy import ActionDeleteConversation
from bot.server.channels.guard import deletion_confirmed
from bot.storage.db import session_scope
from bot.storage.erase import erase_transcript
from bot.storage.handoffs import open_handoffs, request_handoff
from bot.storage.models import CallbackRequest, MessageDelivery, ScreeningResult
from tests.said import rendered


def add_rows(url, conversation_id):
    with session_scope(url) as session:
        session.add(ScreeningResult(conversation_id=conversation_id, outcome="iop_may_fit"))
        session.add(CallbackRequest(conversation_id=conversation_id, phone="+16175550142", best_time="mornings"))
        session.add(MessageDelivery(id=uuid.uuid4().hex, conversation_id=conversation_id, status="sent"))


def count(url, table, conversation_id):
    with create_engine(url).connect() as conn:
        return conn.execute(text(f"select count(*) from {table} where conversation_id = :c"),
                            {"c": conversation_id}).scalar()


def test_the_action_deletes_this_conversations_rows_and_no_one_elses(project_db, make_tracker):
    add_rows(project_db, "me")
    add_rows(project_db, "someone-else")
    request_handoff("me", "rest", "asked_for_person", "routine", url=project_db)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("yes, delete it", "affirm", sender="me")
    asyncio.run(ActionDeleteConversation().run(dispatcher, tracker, {}))
    assert "deleted this conversation" in rendered(dispatcher.messages, tracker)[0]["text"]
    for table in ("screening_results", "callback_requests", "message_deliveries", "handoffs"):
        assert count(project_db, table, "me") == 0
    assert count(project_db, "message_deliveries", "someone-else") == 1
    assert count(project_db, "screening_results", "someone-else") == 1
    assert count(project_db, "callback_requests", "someone-else") == 1


def test_an_open_urgent_handoff_is_kept_for_follow_up(project_db, make_tracker):
    request_handoff("me", "socketio", "risk", "imminent", "suicide", url=project_db)
    asyncio.run(ActionDeleteConversation().run(CollectingDispatcher(), make_tracker("delete it", "affirm",
                                                                                       sender="me"), {}))
    assert [(h.conversation_id, h.urgency) for h in open_handoffs(project_db)] == [("me", "imminent")]


def test_a_database_that_is_down_is_told_to_the_person(tmp_path, monkeypatch, make_tracker):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("yes", "affirm")
    asyncio.run(ActionDeleteConversation().run(dispatcher, tracker, {}))
    assert "couldn't delete it" in rendered(dispatcher.messages, tracker)[0]["text"]


def test_the_transcript_is_erased_from_the_tracker_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    for sender in ("me", "other"):
        tracker = DialogueStateTracker.from_events(sender, [UserUttered("my name is Ana"), BotUttered("hi")])
        asyncio.run(store.save(tracker))
    erase_transcript("me", url)
    assert asyncio.run(store.retrieve("me")) is None
    assert asyncio.run(store.retrieve("other")) is not None


def test_only_a_deletion_in_the_latest_turn_counts():
    done = [UserUttered("delete my chat"), ActionExecuted("utter_confirm_delete"), UserUttered("yes"),
            ActionExecuted("action_delete_conversation"), ActionExecuted("action_listen")]
    assert deletion_confirmed(DialogueStateTracker.from_events("me", done))
    later = done + [UserUttered("hi again"), ActionExecuted("utter_greet")]
    assert not deletion_confirmed(DialogueStateTracker.from_events("me", later))
