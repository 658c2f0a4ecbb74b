"""Rasa's socket.io channel (the web widget's), with the paused-conversation guard and session ids that
must look random (bot/channels/ids.py): a client cannot pick an SMS number or a guessable id.

Messages sent while the widget was disconnected (a dropped mobile connection during the crisis reply, a
staff reply while the laptop slept) would be lost: socket.io does not keep them. The widget counts the
messages it has received and sends the count when it reconnects; the server replays the conversation's
bot messages through the same output logic and sends the ones after that count."""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint

from bot import rasa_seam
from bot.channels.guard import current_agent, guarded
from bot.channels.ids import is_web_session_id, new_web_session_id
from bot.channels.origins import apply_to_socketio
from bot.settings import allowed_origins, redis_url

logger = logging.getLogger(__name__)
# At most this many missed messages are sent again on one reconnect (the newest ones).
MAX_RESENT = 50
SOCKETIO = SocketIOInput.name()


# Flags the staff console puts on its bot events (bot/console/rasa_api.py), passed on to the widget so it
# can show a person's reply as the team's, not the assistant's.
STAFF_FLAGS = ("staff", "console_notice")


class CustomPayloadSocketIOOutput(SocketIOOutput):
    """Rasa's send_custom_json calls sio.emit(event, **payload): {"escalation": ...} raises TypeError, which
    aborts the turn (no action_escalate, no handoff, tracker not saved). Send it as {"custom": payload}.
    Text from the staff console keeps its flag."""

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await rasa_seam.send_to_socket(self, recipient_id, {"custom": json_message})

    async def transcript_erased(self, recipient_id: str) -> None:
        """After "delete my chat" the conversation holds no bot messages: the widget's count starts again
        (otherwise its next catch-up would count from the messages that no longer exist)."""
        await self.sio.emit("iop_sync", {"received": 0}, room=recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        flags = {flag: True for flag in STAFF_FLAGS if kwargs.get(flag) is True}
        for part in text.strip().split("\n\n"):
            await rasa_seam.send_to_socket(self, recipient_id, {"text": part, **flags})


async def widget_messages(events: Any) -> List[Dict[str, Any]]:
    """The bot_uttered payloads the widget was sent for these events, in order: each bot message goes
    through the same output logic as when it was first sent (text split into parts, buttons, custom)."""
    socket = rasa_seam.CollectingSocket()
    out = CustomPayloadSocketIOOutput(socket, "bot_uttered")
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
        # Pages of the bot's own server and of the sites in ALLOWED_ORIGINS only (bot/channels/origins.py).
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
                for payload in missed:
                    await sio.emit(self.bot_message_evt, payload, room=sid, namespace=namespace)
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
