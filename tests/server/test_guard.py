"""The channel guard's after-turn checks use the tracker Rasa has just saved, not a second read of the
conversation; when the save did not reach the database they read the store as before."""
import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.channels import guard
from bot.server.tracker_store import UrlSQLTrackerStore, remember_saved

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



def test_a_lock_that_cannot_be_released_still_records_the_urgent_handoff(store, monkeypatch):
    recorded = []
    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: recorded.append(a))
    run(store, monkeypatch, [UserUttered("hi"), ActionExecuted("action_listen"), ConversationPaused()])

    class ReleaseFails:
        def lock(self, conversation_id):
            class Held:
                async def __aenter__(self):
                    return self

                async def __aexit__(self, *exc):
                    raise ConnectionError("redis went down while the lock was held")
            return Held()

    agent = FakeAgent(store)
    agent.lock_store = ReleaseFails()
    monkeypatch.setattr(guard, "current_agent", lambda: agent)
    output = CollectingOutputChannel()
    asyncio.run(guard.guarded(rasa_handles(store, [UserUttered("i want to die", intent=RISK["intent"],
                                                               parse_data=RISK)]))(UserMessage("x", output, "c1")))
    assert [m["text"] for m in output.messages] == ["[utter_crisis]"]
    assert recorded and recorded[0][0] == "c1" and recorded[0][2] == "risk"


def test_a_spanish_risk_message_in_a_paused_conversation_gets_the_spanish_crisis_reply(store, monkeypatch):
    """Rendered by the Rasa server's own response generator with the slots Rasa filled for this message: the
    Spanish gate's `language` among them."""
    from rasa.shared.core.events import SlotSet

    from bot.server.nlg import ProfileNaturalLanguageGenerator
    from tests.said import project_domain

    class SpanishAgent(FakeAgent):
        def __init__(self, store):
            super().__init__(store)
            self.processor = type("P", (), {"nlg": ProfileNaturalLanguageGenerator(domain=project_domain())})()

    monkeypatch.setattr(guard, "request_handoff", lambda *a, **k: None)
    run(store, monkeypatch, [UserUttered("hola"), ActionExecuted("action_listen"), ConversationPaused()])
    monkeypatch.setattr(guard, "current_agent", lambda: SpanishAgent(store))
    output = CollectingOutputChannel()
    text = "me quiero morir esta noche"
    events = [UserUttered(text, intent=RISK["intent"], parse_data={**RISK, "text": text}),
              SlotSet("risk_category", "suicide"), SlotSet("risk_urgency", "urgent"), SlotSet("risk_subject", "self"),
              SlotSet("language", "es")]
    asyncio.run(guard.guarded(rasa_handles(store, events))(UserMessage(text, output, "c1")))
    reply, payload = output.messages  # Rasa's output channel sends the text, then the custom payload
    assert reply["text"].startswith("Me alegra mucho que me lo haya dicho.") and "oprima 2" in reply["text"]
    assert "911" in reply["text"] and payload["custom"] == {"escalation": {"category": "suicide", "urgency": "urgent"}}
