"""After a reconnect the widget is sent the messages it missed: the replay of the stored bot messages must
give exactly what the live socket.io output sent, so the widget's count of received messages lines up."""
import asyncio
import copy

import pytest
from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.server.channels import socketio as channel

RESPONSES = [
    {"text": "Hi, I'm the automated assistant.\n\nI'm not a clinician.", "buttons": [{"title": "Cost", "payload": "cost"}]},
    {"text": "If you are in danger, call 911.", "custom": {"escalation": {"category": "suicide", "urgency": "urgent"}}},
    {"custom": {"screening": {"outcome": "iop_may_fit"}}},
    {"text": "Pick one", "quick_replies": [{"title": "Yes", "payload": "yes"}]},
    {"text": "A picture", "image": "https://example.org/a.png"},
]


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None, **kwargs):
        self.emitted.append(data)


def live(responses):
    sio = FakeSio()
    out = channel.CustomPayloadSocketIOOutput(sio, "bot_uttered")
    for response in responses:
        asyncio.run(out.send_response("s1", copy.deepcopy(response)))
    return sio.emitted


def stored(responses):
    events = [UserUttered("hi"), ActionExecuted("utter_greet")]
    return events + [create_bot_utterance(copy.deepcopy(r)) for r in responses]


def test_the_replay_gives_what_was_sent_live():
    assert asyncio.run(channel.widget_messages(stored(RESPONSES))) == live(RESPONSES)
    assert len(live(RESPONSES)) == 8  # two text parts, a card, a result, quick replies, text + image


def agent_with(events):
    class Store:
        async def retrieve_full_tracker(self, sender_id):
            return None if events is None else type("T", (), {"events": events})()

    return type("A", (), {"tracker_store": Store()})()


@pytest.mark.parametrize("received, expected", [(0, 8), (5, 3), (8, 0), (30, 0)])
def test_only_the_messages_after_the_count_are_sent_again(received, expected):
    missed, total = asyncio.run(channel.missed_messages("s1", received, agent_with(stored(RESPONSES))))
    assert missed == live(RESPONSES)[received:]
    assert len(missed) == expected and total == 8  # the widget takes the total as its count


def test_an_unreadable_conversation_sends_nothing_and_keeps_the_widgets_count():
    # Rasa's fail-safe tracker store answers None when the database cannot be read: resetting the count to
    # 0 then would make the next catch-up send the newest messages again.
    assert asyncio.run(channel.missed_messages("s1", 3, agent_with(None))) == ([], 3)


def test_after_delete_my_chat_the_widget_counts_from_zero():
    emitted = []

    class FakeSio:
        async def emit(self, event, data, room=None, **kwargs):
            emitted.append((event, data, room))

    asyncio.run(channel.CustomPayloadSocketIOOutput(FakeSio(), "bot_uttered").transcript_erased("s1"))
    assert emitted == [("iop_sync", {"received": 0}, "s1")]


def test_a_conversation_from_another_channel_is_never_shown():
    events = [UserUttered("my account details", input_channel="rest")] + stored(RESPONSES)
    missed, total = asyncio.run(channel.missed_messages("s1", 0, agent_with(events)))
    assert missed == [] and total == 0


def test_staff_console_messages_keep_their_flag_live_and_in_the_replay():
    from rasa.shared.core.events import BotUttered

    staff = BotUttered("Hi, I'm on the admissions team.\n\nHow can I help?", {}, {"staff": True})
    notice = BotUttered("A member of our team has joined.", {}, {"console_notice": True})
    sio = FakeSio()
    out = channel.CustomPayloadSocketIOOutput(sio, "bot_uttered")
    for event in (staff, notice):  # what Rasa's execute_side_effects sends for appended bot events
        asyncio.run(out.send_response("s1", event.message()))
    assert sio.emitted == [{"text": "Hi, I'm on the admissions team.", "staff": True},
                           {"text": "How can I help?", "staff": True},
                           {"text": "A member of our team has joined.", "console_notice": True}]
    assert asyncio.run(channel.widget_messages([staff, notice])) == sio.emitted


def test_the_assistants_own_messages_carry_no_staff_flag():
    assert all("staff" not in m and "console_notice" not in m for m in live(RESPONSES))
