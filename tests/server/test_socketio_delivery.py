"""Each staff reply in the web chat shows whether it was delivered (issue 19): the project's socket.io channel,
mounted as `rasa run` mounts it in a Sanic server on 127.0.0.1, with real python-socketio clients connected.

A staff reply (a bot message with {"staff": true, "delivery": <id>}, as the console sends it through Rasa's
HTTP API) is emitted with an acknowledgement asked for and recorded in message_deliveries, channel "socketio":
"sent" when it went to an open chat, "delivered" once the chat acknowledged every part, "no_session" when no
chat had the conversation open. A client that never acknowledges (rasa-webchat) leaves it "sent". Recording
never stops the reply. After a reconnect, a staff reply the chat missed is sent again and acknowledged too.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
import uuid
from contextlib import asynccontextmanager

import pytest
import socketio
from rasa.core.channels.channel import register
from rasa.server import configure_cors
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from bot.server import rasa_seam
from bot.server.channels import socketio as channel
from bot.storage.db import StorageError
from bot.storage.sms import deliveries_of
from tests.sanic_server import ThreadedSanic

_names = itertools.count()
WAIT = 20  # seconds


class SocketServer(ThreadedSanic):
    """GuardedSocketIOInput in a Sanic app built as `rasa run` builds it."""

    def __init__(self) -> None:
        self.app = Sanic(f"delivery_test_{next(_names)}")
        configure_cors(self.app, None)
        self.channel = channel.GuardedSocketIOInput(session_persistence=True)
        register([self.channel], self.app, route="/webhooks/")
        super().__init__(self.app)

    def staff_reply(self, conversation_id: str, text: str, delivery: str | None, **extra) -> None:
        """What Rasa does with the console's staff message: the channel's output sends it (on the server's loop)."""
        out = self.channel.get_output_channel()
        message = {"text": text, "staff": True, **({"delivery": delivery} if delivery else {}), **extra}
        asyncio.run_coroutine_threadsafe(out.send_response(conversation_id, message), self.loop).result(WAIT)


@pytest.fixture(scope="module")
def server():
    running = SocketServer()
    yield running
    running.close()


class Chat:
    """A person's chat window: a python-socketio client with a persistent session id. `acknowledges=False` is a
    client like rasa-webchat that never acknowledges (its handler never returns until the test ends)."""

    def __init__(self, port: int, session_id: str | None = None, acknowledges: bool = True,
                 received: int | None = None) -> None:
        self.port, self.acknowledges, self.received = port, acknowledges, received
        self.session_id = session_id or uuid.uuid4().hex
        self.got: list = []

    async def __aenter__(self) -> "Chat":
        self.client = socketio.AsyncClient(reconnection=False)
        self.release = asyncio.Event()
        confirmed = asyncio.get_running_loop().create_future()

        async def bot_uttered(data):
            self.got.append(data)
            if not self.acknowledges:
                await self.release.wait()  # python-socketio acknowledges when the handler returns

        self.client.on("bot_uttered", bot_uttered)
        self.client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins.
        await self.client.connect(f"http://127.0.0.1:{self.port}", transports=["polling"], wait_timeout=10)
        request = {"session_id": self.session_id}
        if self.received is not None:
            request["received"] = self.received
        await self.client.emit("session_request", request)
        assert await asyncio.wait_for(confirmed, WAIT) == self.session_id
        return self

    async def __aexit__(self, *exc) -> None:
        self.release.set()
        await self.client.disconnect()

    async def wait_for(self, count: int) -> list:
        deadline = time.time() + WAIT
        while len(self.got) < count and time.time() < deadline:
            await asyncio.sleep(0.05)
        return self.got


async def status_becomes(conversation_id: str, delivery: str, wanted: str) -> str:
    deadline = time.time() + WAIT
    status = None
    while time.time() < deadline:
        status = (await asyncio.to_thread(deliveries_of, conversation_id)).get(delivery)
        if status == wanted:
            break
        await asyncio.sleep(0.05)
    return status


async def in_thread(func, *args):
    return await asyncio.to_thread(func, *args)


def test_a_reply_to_an_open_chat_is_sent_then_delivered_when_the_chat_acknowledges_every_part(server, project_db):
    delivery = secrets.token_hex(16)

    async def scenario():
        async with Chat(server.port) as chat:
            await in_thread(server.staff_reply, chat.session_id, "Hi, I'm on the admissions team.\n\nHow are you?",
                            delivery)
            # Recorded before Rasa answers the console: "sent", or already "delivered" if the ack was quick.
            assert deliveries_of(chat.session_id)[delivery] in ("sent", "delivered")
            got = await chat.wait_for(2)
            assert await status_becomes(chat.session_id, delivery, "delivered") == "delivered"
        return chat.session_id, got

    session_id, got = asyncio.run(scenario())
    # The widget shows it as the team's and knows which reply to acknowledge; the id is all it carries besides.
    assert got == [{"text": "Hi, I'm on the admissions team.", "staff": True, "delivery": delivery},
                   {"text": "How are you?", "staff": True, "delivery": delivery}]


def test_a_client_that_never_acknowledges_leaves_the_reply_sent(server, project_db):
    delivery = secrets.token_hex(16)

    async def scenario():
        async with Chat(server.port, acknowledges=False) as chat:
            await in_thread(server.staff_reply, chat.session_id, "Hello from the team.", delivery)
            assert len(await chat.wait_for(1)) == 1  # it reached the chat: rasa-webchat shows it
            await asyncio.sleep(1)
            assert deliveries_of(chat.session_id) == {delivery: "sent"}

    asyncio.run(scenario())


def test_a_reply_when_no_chat_has_the_conversation_open_is_recorded_not_delivered(server, project_db):
    delivery, closed = secrets.token_hex(16), uuid.uuid4().hex

    async def scenario():
        async with Chat(server.port, session_id=closed):
            pass  # the person closed the page
        await until_closed(server, closed)
        async with Chat(server.port) as other:  # someone else's chat is open: it must not count, nor get it
            await in_thread(server.staff_reply, closed, "Are you still there?", delivery)
            await asyncio.sleep(0.5)
            assert other.got == []
        assert deliveries_of(closed) == {delivery: "no_session"}

    asyncio.run(scenario())


def test_only_a_staff_reply_with_a_well_formed_id_is_recorded(server, project_db):
    async def scenario():
        async with Chat(server.port) as chat:
            out = server.channel.get_output_channel()
            sends = [out.send_response(chat.session_id, {"text": "The assistant's answer."}),
                     out.send_response(chat.session_id, {"text": "Odd id", "staff": True, "delivery": "../x"}),
                     # not a staff reply: an id on it means nothing
                     out.send_response(chat.session_id, {"text": "Not staff", "delivery": secrets.token_hex(16)})]
            for send in sends:
                asyncio.run_coroutine_threadsafe(send, server.loop).result(WAIT)
            assert [m["text"] for m in await chat.wait_for(3)] == ["The assistant's answer.", "Odd id", "Not staff"]
            await asyncio.sleep(0.5)
            assert deliveries_of(chat.session_id) == {}

    asyncio.run(scenario())


def test_a_storage_error_is_logged_and_the_reply_still_reaches_the_chat(server, project_db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise StorageError("could not record the delivery (OperationalError)")

    monkeypatch.setattr(channel, "record_delivery", broken)
    text = "Please call us at 1-800-555-0100 when you can."

    async def scenario():
        async with Chat(server.port) as chat:
            await in_thread(server.staff_reply, chat.session_id, text, secrets.token_hex(16))
            got = await chat.wait_for(1)
            await asyncio.sleep(0.5)  # the acknowledgement's record fails too, and is logged
            return got

    with caplog.at_level(logging.ERROR, logger="bot.server.channels.socketio"):
        got = asyncio.run(scenario())
    assert [m["text"] for m in got] == [text]
    errors = [r.getMessage() for r in caplog.records if "could not record the delivery" in r.getMessage()]
    assert errors and all(text not in e for e in errors)  # never the message's text


class FakeAgent:
    """The running agent as the catch-up on reconnect reads it: a tracker store and a lock store."""

    def __init__(self, events) -> None:
        agent = self

        class Store:
            async def retrieve_full_tracker(self, sender_id):
                return type("T", (), {"events": agent.events})()

        class Locks:
            @asynccontextmanager
            async def lock(self, conversation_id):
                yield

        self.events, self.tracker_store, self.lock_store = events, Store(), Locks()


async def until_closed(server: SocketServer, session_id: str) -> None:
    deadline = time.time() + WAIT
    while rasa_seam.live_sockets(server.channel.sio, session_id) and time.time() < deadline:
        await asyncio.sleep(0.05)


def test_a_reply_the_chat_missed_is_delivered_once_it_reconnects(server, project_db):
    delivery, session_id = secrets.token_hex(16), uuid.uuid4().hex
    reply = "Hi, this is the admissions team.\n\nAre you there?"

    async def scenario():
        async with Chat(server.port, session_id=session_id):
            pass  # the connection dropped
        await until_closed(server, session_id)  # the server has seen the disconnect (slow on a busy machine)
        await in_thread(server.staff_reply, session_id, reply, delivery)
        assert deliveries_of(session_id) == {delivery: "no_session"}
        # The widget comes back and says it had received one message: the rest is sent again, acknowledged.
        server.app.ctx.agent = FakeAgent([UserUttered("hi", input_channel="socketio"), BotUttered("Hello."),
                                          BotUttered(reply, {}, {"staff": True, "delivery": delivery})])
        try:
            async with Chat(server.port, session_id=session_id, received=1) as chat:
                got = await chat.wait_for(2)
                assert await status_becomes(session_id, delivery, "delivered") == "delivered"
        finally:
            del server.app.ctx.agent  # other tests' servers find the agent in Sanic's registry
        return got

    got = asyncio.run(scenario())
    assert [m["text"] for m in got] == ["Hi, this is the admissions team.", "Are you there?"]
    assert all(m["delivery"] == delivery for m in got)


def test_with_several_processes_a_reply_from_another_process_is_sent_then_delivered(redis_url, project_db,
                                                                                     monkeypatch):
    """REDIS_URL (several Rasa processes): the staff reply lands on a process that does not hold the person's
    socket, so it cannot tell "no_session"; it goes to the room through Redis, is recorded "sent", and the
    acknowledgement comes back through Redis to the process that sent it."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    holder, other = SocketServer(), SocketServer()  # two processes' socket.io servers, sharing Redis
    delivery = secrets.token_hex(16)

    async def scenario():
        # `other` has never had a socket connection (python-socketio would start its Redis listener on the first):
        # the channel starts it, or the acknowledgement would never reach it.
        async with Chat(holder.port) as chat:
            await in_thread(other.staff_reply, chat.session_id, "Hello from the team.", delivery)
            assert deliveries_of(chat.session_id)[delivery] in ("sent", "delivered")
            assert [m["text"] for m in await chat.wait_for(1)] == ["Hello from the team."]
            assert await status_becomes(chat.session_id, delivery, "delivered") == "delivered"

    try:
        asyncio.run(scenario())
    finally:
        holder.close()
        other.close()
