"""Rasa's socket.io channel (the web widget's), with the paused-conversation guard and session ids that
must look random (bot/core/ids.py): a client cannot pick an SMS number or a guessable id.

Messages sent while the widget was disconnected (a dropped mobile connection during the crisis reply, a
staff reply while the laptop slept) would be lost: socket.io does not keep them. The widget counts the
messages it has received and sends the count when it reconnects; the server replays the conversation's
bot messages through the same output logic and sends the ones after that count.

A staff reply from the console carries a delivery id (bot/storage/sms.DELIVERY): the channel records what
became of it in message_deliveries, channel "socketio", for the console to show. "no_session": no chat window
had the conversation open when it was sent (it is kept in the conversation, and sent again if that chat
reconnects); "sent": emitted to an open chat, with a socket.io acknowledgement asked for; "delivered": the chat
acknowledged every part (the project's widget does once it has shown it; a client that never acknowledges,
such as rasa-webchat, leaves it "sent"). Recording never stops the reply: storage errors are logged."""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint

from bot.core import contract
from bot.server import rasa_seam
from bot.server.channels.guard import current_agent, guarded
from bot.core.ids import is_web_session_id, new_web_session_id
from bot.server.channels.origins import apply_to_socketio
from bot.core.settings import allowed_origins, redis_url
from bot.storage.sms import DELIVERY, DELIVERY_ID, record_delivery

logger = logging.getLogger(__name__)
# At most this many missed messages are sent again on one reconnect (the newest ones).
MAX_RESENT = 50
SOCKETIO = SocketIOInput.name()


# Flags the staff console puts on its bot events (bot/console/rasa_api.py), passed on to the widget so it
# can show a person's reply as the team's, not the assistant's.
STAFF_FLAGS = contract.STAFF_FLAGS


def delivery_of(payload: Any) -> Optional[str]:
    """The console's delivery id on a staff reply's payload (or its kwargs), if it is a well-formed one."""
    if not isinstance(payload, dict) or payload.get("staff") is not True:
        return None
    delivery = payload.get(DELIVERY)
    return delivery if isinstance(delivery, str) and DELIVERY_ID.fullmatch(delivery) else None


async def record(delivery: str, conversation_id: str, status: str) -> None:
    """Records a staff reply's status; a storage error is logged (never the text), the chat goes on."""
    try:
        await asyncio.to_thread(record_delivery, delivery, conversation_id, status, "socketio")
    except Exception as exc:
        logger.error("could not record the delivery of a staff reply (%s) in conversation=%s: %s",
                     status, conversation_id, type(exc).__name__)


class Receipt:
    """Waits for a chat's acknowledgements of one staff reply's parts; "delivered" is recorded once every part
    was acknowledged, and only after the "sent" before it (an acknowledgement can come back before the "sent"
    is written: `ready()` is called once it is)."""

    def __init__(self, delivery: str, conversation_id: str, parts: int) -> None:
        self.delivery, self.conversation_id = delivery, conversation_id
        self.waiting: Set[int] = set(range(parts))
        self.recorded = False
        self._ready = asyncio.Event()

    def ready(self) -> None:
        self._ready.set()

    def on_ack(self, part: int) -> Callable[..., Awaitable[None]]:
        async def acknowledged(*_: Any) -> None:  # whatever the client sent back: only the fact counts
            self.waiting.discard(part)
            if self.waiting or self.recorded:
                return
            self.recorded = True
            await self._ready.wait()
            await record(self.delivery, self.conversation_id, "delivered")

        return acknowledged


class CustomPayloadSocketIOOutput(SocketIOOutput):
    """Rasa's send_custom_json calls sio.emit(event, **payload): {"escalation": ...} raises TypeError, which
    aborts the turn (no action_escalate, no handoff, tracker not saved). Send it as {"custom": payload}.
    Text from the staff console keeps its flag and its delivery id; `receipts`: record what became of a staff
    reply (off when the output only collects what would be sent, for a replay)."""

    def __init__(self, sio: Any, bot_message_evt: str, receipts: bool = True) -> None:
        super().__init__(sio, bot_message_evt)
        self.receipts = receipts

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await rasa_seam.send_to_socket(self, recipient_id, {contract.CUSTOM: json_message})

    async def transcript_erased(self, recipient_id: str) -> None:
        """After "delete my chat" the conversation holds no bot messages: the widget's count starts again
        (otherwise its next catch-up would count from the messages that no longer exist)."""
        await self.sio.emit("iop_sync", {"received": 0}, room=recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        flags = {flag: True for flag in STAFF_FLAGS if kwargs.get(flag) is True}
        delivery = delivery_of(kwargs)
        payloads = [{"text": part, **flags, **({DELIVERY: delivery} if delivery else {})}
                    for part in text.strip().split("\n\n")]
        if delivery and self.receipts:
            return await self.send_staff_reply(recipient_id, payloads, delivery)
        for payload in payloads:
            await rasa_seam.send_to_socket(self, recipient_id, payload)

    async def send_staff_reply(self, recipient_id: str, payloads: List[Dict[str, Any]], delivery: str) -> None:
        """Emits each part with an acknowledgement asked for, to every socket that has the conversation open,
        and records "sent" (or "no_session" when none has: the reply stays in the conversation, and a catch-up
        sends it if that chat reconnects). With several processes (Redis) sockets held by another process are
        not known here: the reply goes to the room, is recorded "sent", and an acknowledgement still comes back."""
        spans = rasa_seam.spans_processes(self.sio)
        if spans:
            rasa_seam.listen_to_other_processes(self.sio)  # the acknowledgement comes back through Redis
        sockets = rasa_seam.live_sockets(self.sio, recipient_id)
        if not sockets and not spans:
            await record(delivery, recipient_id, "no_session")
            return
        receipt = Receipt(delivery, recipient_id, len(payloads))
        try:
            for part, payload in enumerate(payloads):
                for room in ([recipient_id] if spans else sockets):
                    await self.sio.emit(self.bot_message_evt, payload, room=room, callback=receipt.on_ack(part))
            await record(delivery, recipient_id, "sent")
        finally:
            receipt.ready()


async def widget_messages(events: Any) -> List[Dict[str, Any]]:
    """The bot_uttered payloads the widget was sent for these events, in order: each bot message goes
    through the same output logic as when it was first sent (text split into parts, buttons, custom)."""
    socket = rasa_seam.CollectingSocket()
    out = CustomPayloadSocketIOOutput(socket, "bot_uttered", receipts=False)
    for event in events:
        if isinstance(event, BotUttered):
            # What Rasa's processor hands the output channel for a bot message (staff flags included).
            await out.send_response("replay", event.message())
    sent: List[Dict[str, Any]] = socket.sent
    return sent


async def missed_messages(session_id: str, received: int, agent: Any) -> Tuple[List[Dict[str, Any]], int]:
    """The messages after the first `received` of a web conversation (the newest MAX_RESENT), and how many
    the conversation has in all (the widget takes that as its count: after "delete my chat" it is lower)."""
    tracker = await agent.tracker_store.retrieve_full_tracker(session_id)
    if tracker is None:
        # Rasa's fail-safe store answers None when the database cannot be read: the widget keeps its count.
        return [], received
    if any(isinstance(e, UserUttered) and e.input_channel not in (None, SOCKETIO) for e in tracker.events):
        # Not a web-widget conversation (a REST sender id that happens to look random): nothing is shown.
        logger.warning("catch-up refused for a conversation that is not the widget's conversation=%s", session_id)
        return [], received
    sent = await widget_messages(tracker.events)
    return sent[received:][-MAX_RESENT:], len(sent)


class GuardedSocketIOInput(SocketIOInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once, at start-up; a wrong entry stops the server with the reason (run.sh checks it first).
        self.allowed_origins = allowed_origins()

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        return CustomPayloadSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def with_custom_payloads(message: UserMessage) -> Any:
            out = message.output_channel
            if isinstance(out, SocketIOOutput):
                message.output_channel = CustomPayloadSocketIOOutput(out.sio, out.bot_message_evt)
            return await on_new_message(message)

        handler = guarded(with_custom_payloads)

        async def only_random_ids(message: UserMessage) -> Any:
            if not is_web_session_id(message.sender_id):
                logger.warning("socket.io message with an unusable session id dropped")
                return None
            return await handler(message)

        bp = super().blueprint(only_random_ids)
        sio = self.sio
        namespace = self.namespace
        # Pages of the bot's own server and of the sites in ALLOWED_ORIGINS only (bot/server/channels/origins.py).
        apply_to_socketio(sio, self.allowed_origins)
        if os.environ.get("REDIS_URL"):
            # Several Rasa processes: a reply produced on one (a staff message through the HTTP API, say)
            # must reach a socket held by another. python-socketio's Redis manager publishes it to all.
            rasa_seam.use_redis_manager(sio, redis_url())

        # Replaces Rasa's handler of the same event: same reply, but an unusable id is swapped for a new one,
        # and a widget that says how many messages it has received is sent the ones it missed.
        async def confirm(sid: str, session_id: str) -> None:
            if self.session_persistence:
                # python-socketio is pinned below 5.10, where enter_room is not a coroutine (DESIGN.md).
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def resend(sid: str, session_id: str, missed: List[Dict[str, Any]]) -> None:
            # A staff reply sent again asks for an acknowledgement too: "no_session" (or "sent") becomes
            # "delivered" once this chat has shown every part of it that it missed.
            receipts: Dict[str, Receipt] = {}
            for payload in missed:
                delivery = delivery_of(payload)
                if delivery and delivery not in receipts:
                    receipts[delivery] = Receipt(delivery, session_id, sum(delivery_of(p) == delivery for p in missed))
            parts: Dict[str, int] = {}
            try:
                for payload in missed:
                    delivery = delivery_of(payload)
                    if delivery is None:
                        await sio.emit(self.bot_message_evt, payload, room=sid, namespace=namespace)
                        continue
                    part = parts[delivery] = parts.get(delivery, -1) + 1
                    await sio.emit(self.bot_message_evt, payload, room=sid, namespace=namespace,
                                   callback=receipts[delivery].on_ack(part))
                for delivery in receipts:
                    await record(delivery, session_id, "sent")
            finally:
                for receipt in receipts.values():
                    receipt.ready()

        async def catch_up(sid: str, session_id: str, received: int, agent: Any) -> None:
            # Under the conversation's lock no turn is half done: every message sent so far is saved, and
            # every later one goes to this socket, so nothing is missed or sent twice.
            async with agent.lock_store.lock(session_id):
                await confirm(sid, session_id)
                try:
                    missed, total = await missed_messages(session_id, received, agent)
                except Exception as exc:  # the live chat goes on; only the catch-up is lost
                    logger.error("catch-up failed for conversation=%s: %s", session_id, exc)
                    return
                await resend(sid, session_id, missed)
                await sio.emit("iop_sync", {"received": total}, room=sid, namespace=namespace)
            if missed:
                logger.info("sent %d messages again after a reconnect conversation=%s", len(missed), session_id)

        async def session_request(sid: str, data: Optional[Dict]) -> None:
            requested = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = requested if is_web_session_id(requested) else new_web_session_id()
            received = data.get("received") if isinstance(data, dict) else None
            agent = current_agent()
            if session_id == requested and type(received) is int and received >= 0 and agent is not None:
                try:
                    return await catch_up(sid, session_id, received, agent)
                except Exception as exc:  # the lock store is down: confirm without catching up
                    logger.error("no catch-up for conversation=%s: %s", session_id, exc)
            await confirm(sid, session_id)

        rasa_seam.replace_handler(sio, "session_request", namespace, session_request)
        return bp
