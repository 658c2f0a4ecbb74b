"""action_delete_conversation: the person confirmed "delete my chat"."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import get_logger
from bot.profile import current_profile
from bot.storage.db import StorageError
from bot.storage.erase import DELETE_ACTION, erase_project_rows

logger = get_logger(__name__)

DELETED = ("Done. I've deleted this conversation and your answers from our records. If you wrote to us about your "
           "safety, our team keeps a note to check on you, without your messages. You can start again any time. "
           "If you are in danger, call 911, or call or text 988.")


class ActionDeleteConversation(Action):
    def name(self) -> Text:
        return DELETE_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        phone = current_profile().as_slots()["program_phone"]
        try:
            await asyncio.to_thread(erase_project_rows, tracker.sender_id)
        except StorageError as exc:
            logger.error("deletion failed conversation=%s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(
                text=f"I'm sorry, I couldn't delete it just now. Please try again in a few minutes, or call us at "
                     f"{phone} and we'll delete it for you.")
            return []
        # The transcript itself is deleted by the channel once this turn is saved (bot/storage/erase.py).
        logger.info("conversation deleted on request conversation=%s", tracker.sender_id)
        dispatcher.utter_message(text=DELETED)
        return []
