"""Rasa's socket.io channel (the web widget's), with the paused-conversation guard and session ids that
must look random (bot/channels/ids.py): a client cannot pick an SMS number or a guessable id."""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional

import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.guard import guarded
from bot.channels.ids import is_web_session_id, new_web_session_id
from bot.settings import redis_url

logger = logging.getLogger(__name__)


class CustomPayloadSocketIOOutput(SocketIOOutput):
    """Rasa's send_custom_json calls sio.emit(event, **payload): {"escalation": ...} raises TypeError, which
    aborts the turn (no action_escalate, no handoff, tracker not saved). Send it as {"custom": payload}."""

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class GuardedSocketIOInput(SocketIOInput):
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
        if os.environ.get("REDIS_URL"):
            # Several Rasa processes: a reply produced on one (a staff message through the HTTP API, say)
            # must reach a socket held by another. python-socketio's Redis manager publishes it to all.
            sio.manager = socketio.AsyncRedisManager(redis_url())
            sio.manager.set_server(sio)

        # Replaces Rasa's handler of the same event: same reply, but an unusable id is swapped for a new one.
        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Optional[Dict]) -> None:
            requested = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = requested if is_web_session_id(requested) else new_web_session_id()
            if self.session_persistence:
                # python-socketio is pinned below 5.10, where enter_room is not a coroutine (DESIGN.md).
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        return bp
