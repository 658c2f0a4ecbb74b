"""action_delete_conversation: the person confirmed "delete my chat" (wording: utter_conversation_*)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import get_logger
from bot.storage.db import StorageError
from bot.storage.erase import DELETE_ACTION, erase_project_rows

logger = get_logger(__name__)

class ActionDeleteConversation(Action):
    def name(self) -> Text:
        return DELETE_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            await asyncio.to_thread(erase_project_rows, tracker.sender_id)
        except StorageError as exc:
            logger.error("deletion failed conversation=%s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(response="utter_conversation_not_deleted")
            return []
        # The transcript itself is deleted by the channel once this turn is saved (bot/storage/erase.py).
        logger.info("conversation deleted on request conversation=%s", tracker.sender_id)
        dispatcher.utter_message(response="utter_conversation_deleted")
        return []
