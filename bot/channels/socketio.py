"""Rasa's socket.io channel (the web widget's), with the paused-conversation guard."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import guarded


class GuardedSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guarded(on_new_message))
