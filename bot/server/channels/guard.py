"""Crisis resources even when a person has taken over the conversation.

Rasa predicts nothing for a paused conversation (ConversationPaused: a staff member has it), so a risk
message would get no answer at all. Every channel of the project wraps Rasa's message handler with
`guarded`: after Rasa has handled the message (the NLU and the risk detector ran and the slots were
filled), a paused conversation whose latest message is a risk signal still gets `utter_crisis`, rendered
by the Rasa server's own response generator, and its handoff is marked urgent.
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.core.contract import CUSTOM, RISK_CATEGORY, RISK_URGENCY, is_risk_intent
from bot.server import rasa_seam
from bot.server.channels.limits import MAX_MESSAGE_CHARS, cap_message
from bot.storage.db import StorageError
from bot.storage.erase import DELETE_ACTION, erase_transcript
from bot.storage.handoffs import request_handoff
from bot.server.tracker_store import remember_saved

logger = logging.getLogger(__name__)
Handler = Callable[[UserMessage], Awaitable[Any]]


def current_agent() -> Optional[Any]:
    """The Rasa server's agent (found through bot/server/rasa_seam.py: Rasa gives a channel's handler no app)."""
    return rasa_seam.current_agent()


def deletion_confirmed(tracker: Any) -> bool:
    """Did this turn run the deletion the person confirmed? (Only the latest turn counts.)"""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION:
            return True
    return False


async def after_turn(message: UserMessage, agent: Any, tracker: Any = None) -> None:
    """What the channels do once Rasa has handled a turn. `tracker` is the one Rasa saved; without it (a
    tracker store other than the project's is configured) the conversation is read from the store."""
    if tracker is None:
        tracker = await agent.tracker_store.retrieve(message.sender_id)
    if tracker is None:
        return
    if deletion_confirmed(tracker):
        # Rasa has saved the turn by now, so the transcript can go without being written back.
        await asyncio.to_thread(erase_transcript, message.sender_id)
        logger.info("transcript deleted on request conversation=%s", message.sender_id)
        erased = getattr(message.output_channel, "transcript_erased", None)  # the web widget's count
        if erased is not None:
            await erased(message.sender_id)
        return
    await crisis_reply_if_paused(message, agent, tracker)


@asynccontextmanager
async def conversation_lock(agent: Any, conversation_id: str) -> AsyncIterator[None]:
    """The conversation's lock when it can be had; the crisis reply goes out, and its handoff is recorded,
    even when the lock store fails to give or to release it (Redis down)."""
    held = None
    try:
        held = agent.lock_store.lock(conversation_id)
        await held.__aenter__()
    except Exception as exc:
        logger.error("lock store unavailable for conversation=%s, going on without it: %s", conversation_id, exc)
        held = None
    try:
        yield
    finally:
        if held is not None:
            try:
                await held.__aexit__(None, None, None)
            except Exception as exc:
                logger.error("lock for conversation=%s not released: %s", conversation_id, exc)


async def crisis_reply_if_paused(message: UserMessage, agent: Any, tracker: Any) -> bool:
    """Send the crisis reply when the conversation is paused and the message is a risk signal."""
    if not tracker.is_paused() or tracker.latest_message is None:
        return False
    intent = str(tracker.latest_message.intent.get("name") or "")
    if not is_risk_intent(intent):
        return False
    output = message.output_channel
    response = await agent.processor.nlg.generate("utter_crisis", tracker, output.name())
    # Under the conversation's lock, as a turn: a widget catching up after a reconnect sees it once.
    async with conversation_lock(agent, message.sender_id):
        # A copy: Rasa's send_response pops the text out of the dict it is given.
        await output.send_response(message.sender_id, dict(response))
        tracker.update(BotUttered(response.get("text"), {CUSTOM: response.get(CUSTOM)},
                                  metadata={"utter_action": "utter_crisis"}))
        try:
            await agent.tracker_store.save(tracker)
        except Exception as exc:  # the reply went out; the handoff below must still be recorded
            logger.error("crisis reply in a paused conversation=%s not stored: %s", message.sender_id, exc)
    try:
        await asyncio.to_thread(request_handoff, message.sender_id, message.input_channel or output.name(),
                                "risk", tracker.get_slot(RISK_URGENCY) or "urgent", tracker.get_slot(RISK_CATEGORY))
    except StorageError as exc:
        logger.error("urgent handoff NOT recorded for paused conversation=%s: %s", message.sender_id, exc)
    logger.warning("crisis reply sent in a paused conversation=%s", message.sender_id)
    return True


def as_text(message: UserMessage) -> UserMessage:
    """A typed message starting with "/" would be taken as an intent and skip the NLU, and so the risk
    detector. The project's buttons send plain text, so every "/" message from a person is read as text.
    A very long message is cut to what the model reads, keeping any risk sentence (bot/server/channels/limits.py)."""
    if message.text and message.text.lstrip().startswith("/"):
        message.text = message.text.lstrip().lstrip("/").strip() or message.text
    if message.text and len(message.text) > MAX_MESSAGE_CHARS:
        message.text = cap_message(message.text)
    return message


def guarded(on_new_message: Handler) -> Handler:
    async def handle(message: UserMessage) -> Any:
        if message.text and len(message.text) > MAX_MESSAGE_CHARS:
            # Reading a very long message for risk takes up to half a second: not on the event loop,
            # where it would hold up every other conversation of this process.
            message = await asyncio.to_thread(as_text, message)
        else:
            message = as_text(message)
        with remember_saved() as saved:
            result = await on_new_message(message)
        agent = current_agent()
        if agent is not None:
            try:
                await after_turn(message, agent, saved.get(message.sender_id))
            except Exception:  # the guard must never break the normal reply
                logger.exception("after-turn check (pause, deletion) failed for conversation=%s", message.sender_id)
        return result

    return handle
