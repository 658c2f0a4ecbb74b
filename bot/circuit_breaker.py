"""Ends a turn that Rasa's circuit breaker stopped, as Rasa ends any turn: with action_listen.

Rasa 3.6 stops a turn after `max_number_of_predictions` actions without listening (a rule loop) and then
counts those same actions against every later message, so the conversation could never answer again, a
crisis included. Rasa's processor has a hook for exactly this moment, `on_circuit_break`, which nothing
sets; `install()` sets it on every processor built after it runs. It is installed when the Rasa server
loads the project's response generator (bot/nlg.py), which happens before the processor is built, so every
Rasa process of the project (run, shell, test) has it. The tracker is saved by Rasa right after.
"""
from __future__ import annotations

import functools
import logging
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted

logger = logging.getLogger(__name__)
_installed = False


def end_the_turn(tracker: Any, output_channel: Any = None, nlg: Any = None) -> None:
    """Rasa's on_circuit_break callback: the stopped turn ends by listening for the next message."""
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    logger.error("circuit breaker tripped in conversation=%s: the turn was ended so the next message is answered",
                 tracker.sender_id)


def install() -> None:
    global _installed
    if _installed:
        return
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.on_circuit_break is None:
            self.on_circuit_break = end_the_turn

    MessageProcessor.__init__ = init
    _installed = True
