"""Rasa's socket.io channel (the web widget's), with the paused-conversation guard and session ids that
must look random (bot/channels/ids.py): a client cannot pick an SMS number or a guessable id."""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
import socketio
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import guarded
from bot.channels.ids import is_web_session_id, new_web_session_id
from bot.settings import redis_url

logger = logging.getLogger(__name__)


class GuardedSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = guarded(on_new_message)

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
