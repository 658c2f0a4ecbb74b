"""The channel guard's after-turn checks use the tracker Rasa has just saved, not a second read of the
conversation; when the save did not reach the database they read the store as before."""
import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import guard
from bot.storage.tracker_store import UrlSQLTrackerStore, remember_saved

RISK = {"intent": {"name": "risk_suicide", "confidence": 1.0}, "entities": [], "text": "i want to die"}


class CountingStore(UrlSQLTrackerStore):
    reads = 0

    async def retrieve(self, sender_id):
        self.reads += 1
        return await super().retrieve(sender_id)


class FakeNlg:
    async def generate(self, name, tracker, channel):
        return {"text": f"[{name}]", "custom": None}


class FakeAgent:
    def __init__(self, store):
        from rasa.core.lock_store import InMemoryLockStore

        self.tracker_store = store
        self.lock_store = InMemoryLockStore()
        self.processor = type("P", (), {"nlg": FakeNlg()})()


@pytest.fixture
def store(tmp_path):
    return CountingStore(Domain.load("domain.yml"), url=f"sqlite:///{tmp_path / 'tracker.db'}")


def rasa_handles(store, events):
    """What Rasa's processor does with a message: read the conversation, add the turn, save it once."""
    async def on_new_message(message):
        tracker = await store.retrieve(message.sender_id) or DialogueStateTracker(message.sender_id, [])
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    return on_new_message


def run(store, monkeypatch, events, sender="c1"):
    monkeypatch.setattr(guard, "current_agent", lambda: FakeAgent(store))
    output = CollectingOutputChannel()
    asyncio.run(guard.guarded(rasa_handles(store, events))(UserMessage("text", output, sender)))
    return output


def test_saves_are_remembered_only_inside_the_turn(store):
    tracker = DialogueStateTracker.from_events("c1", [UserUttered("hi")])
    asyncio.run(store.save(tracker))
    with remember_saved() as saved:
        asyncio.run(store.save(tracker))
    assert saved == {"c1": tracker}
    with remember_saved() as later:
        pass
    assert later == {}


def test_a_failed_save_is_still_remembered_for_the_guard(store, monkeypatch):
    async def down(self, tracker):
        raise ConnectionError("database down")
    monkeypatch.setattr("rasa.core.tracker_store.SQLTrackerStore.save", down)
    tracker = DialogueStateTracker.from_events("c1", [UserUttered("hi")])
    with remember_saved() as saved, pytest.raises(ConnectionError):
        asyncio.run(store.save(tracker))
    assert saved == {"c1": tracker}


def test_with_the_database_down_a_paused_risk_message_still_gets_the_crisis_reply_and_a_handoff(store, monkeypatch):
    handoffs = []
    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: handoffs.append(a))
    run(store, monkeypatch, [UserUttered("hi"), ActionExecuted("action_listen"), ConversationPaused()])

    async def down(self, tracker):
        raise ConnectionError("database down")
    monkeypatch.setattr("rasa.core.tracker_store.SQLTrackerStore.save", down)

    async def rasa_saves_and_fails(message):  # Rasa's processor: the turn is in hand, the save fails
        tracker = await store.retrieve(message.sender_id)
        tracker.update(UserUttered("i want to die", intent=RISK["intent"], parse_data=RISK))
        try:
            await store.save(tracker)
        except ConnectionError:
            pass  # Rasa's FailSafeTrackerStore logs it and keeps the tracker in memory instead

    output = CollectingOutputChannel()
    asyncio.run(guard.guarded(rasa_saves_and_fails)(UserMessage("i want to die", output, "c1")))
    assert [m["text"] for m in output.messages] == ["[utter_crisis]"]
    assert handoffs and handoffs[0][0] == "c1"


def test_an_ordinary_turn_reads_the_conversation_once(store, monkeypatch):
    run(store, monkeypatch, [UserUttered("hi"), BotUttered("hello"), ActionExecuted("action_listen")])
    assert store.reads == 1  # Rasa's own read; the guard adds none


def test_a_risk_message_in_a_paused_conversation_still_gets_the_crisis_reply(store, monkeypatch):
    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: None)
    run(store, monkeypatch, [UserUttered("hi"), ActionExecuted("action_listen"), ConversationPaused()])
    store.reads = 0
    output = run(store, monkeypatch, [UserUttered("i want to die", intent=RISK["intent"], parse_data=RISK)])
    assert [m["text"] for m in output.messages] == ["[utter_crisis]"]
    assert store.reads == 1
    saved = asyncio.run(store.retrieve("c1"))
    assert saved.events[-1].text == "[utter_crisis]"


def test_without_a_remembered_save_the_guard_reads_the_store(store, monkeypatch):
    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: None)
    run(store, monkeypatch, [UserUttered("hi"), ActionExecuted("action_listen"), ConversationPaused()])
    monkeypatch.setattr(guard, "remember_saved", lambda: _Empty())
    store.reads = 0
    output = run(store, monkeypatch, [UserUttered("i want to die", intent=RISK["intent"], parse_data=RISK)])
    assert [m["text"] for m in output.messages] == ["[utter_crisis]"]
    assert store.reads == 2


class _Empty:
    def __enter__(self):
        return {}

    def __exit__(self, *exc):
        return False


def test_with_the_lock_store_down_a_paused_risk_message_still_gets_the_crisis_reply(store, monkeypatch):
    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: None)
    run(store, monkeypatch, [UserUttered("hi"), ActionExecuted("action_listen"), ConversationPaused()])

    class LockStoreDown:
        def lock(self, conversation_id):
            raise ConnectionError("redis down")

    agent = FakeAgent(store)
    agent.lock_store = LockStoreDown()
    monkeypatch.setattr(guard, "current_agent", lambda: agent)
    output = CollectingOutputChannel()
    asyncio.run(guard.guarded(rasa_handles(store, [UserUttered("i want to die", intent=RISK["intent"],
                                                               parse_data=RISK)]))(UserMessage("x", output, "c1")))
    assert [m["text"] for m in output.messages] == ["[utter_crisis]"]


def stored_actions(store, sender="c1"):
    return [e.action_name for e in asyncio.run(store.retrieve(sender)).events if isinstance(e, ActionExecuted)]


def test_a_turn_stopped_by_the_circuit_breaker_is_ended_so_the_next_message_is_answered(store, monkeypatch):
    # Ten actions without listening: Rasa's circuit breaker stopped the turn there and, left alone, would
    # count these ten against every later message of the conversation.
    looping = [ActionExecuted("action_listen"), UserUttered("🙏", {"name": "affirm", "confidence": 0.8})]
    looping += [ActionExecuted("action_fallback") for _ in range(10)]
    run(store, monkeypatch, looping)
    actions = stored_actions(store)
    assert actions[-1] == "action_listen" and actions.count("action_fallback") == 10
    assert guard.actions_since_listening(asyncio.run(store.retrieve("c1"))) == 0


def test_an_ordinary_turn_is_left_as_rasa_saved_it(store, monkeypatch):
    turn = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
            ActionExecuted("utter_greet"), BotUttered("Hi"), ActionExecuted("action_listen")]
    run(store, monkeypatch, turn)
    assert stored_actions(store) == ["action_listen", "utter_greet", "action_listen"]


def test_a_turn_that_stopped_short_of_the_limit_is_left_alone(store, monkeypatch):
    # An action that failed (the action server down) ends the turn without listening; Rasa copes with that.
    turn = [ActionExecuted("action_listen"), UserUttered("is iop right for me", {"name": "start_screening"}),
            ActionExecuted("screening_form")]
    run(store, monkeypatch, turn)
    assert stored_actions(store)[-1] == "screening_form"
