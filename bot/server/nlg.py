"""Renders the domain's responses with the clinic profile, inside the Rasa server.

Answers use `{program_name}`, `{program_phone}`, ... (see ClinicProfile.as_slots). Filling them here
rather than in a session-start action keeps every answer, and above all the crisis reply, working when
the action server is down. Slots of the same name in the tracker win over the profile. In a conversation in
Spanish (the `language` slot is "es") the profile's values are its Spanish ones (ClinicProfile.as_slots_es).

A subclass of Rasa's TemplatedNaturalLanguageGenerator through Rasa's documented extension point (endpoints.yml,
`nlg: type:`). It installs nothing: the patches of Rasa's internals are installed by bot.server.rasa_seam.install() at
start-up (bot/server/serve.py, bot/server/rasa_cli.py), so another `nlg:` setting cannot drop them.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core import contract
from bot.server import rasa_seam
from bot.core.profile import ProfileError, current_profile

logger = logging.getLogger(__name__)


# How to reach a person, said in the answers as {reach_person}: the project's chat widget has a button for it
# (it says so in each message's metadata, web/widget.js); everywhere else it is typed. The SMS variants say
# "Reply 'person'" in their own words.
WIDGET = contract.WIDGET
REACH_BY_BUTTON = "press the \u201cTalk to a person\u201d button"
REACH_BY_TYPING = "type 'person'"
# In Spanish: the widget's button keeps its English label; 'person' is the word the classifier knows.
REACH_BY_BUTTON_ES = "pulse el bot\u00f3n \u201cTalk to a person\u201d (hablar con una persona)"
REACH_BY_TYPING_ES = "escriba 'person'"


def language_of_tracker(tracker: DialogueStateTracker) -> str:
    """The conversation's language (the `language` slot the Spanish gate fills): "es" or "en"."""
    slot = tracker.slots.get(contract.LANGUAGE) if hasattr(tracker, "slots") else None
    return contract.conversation_language(slot.value if slot is not None else None)


def reach_person(tracker: DialogueStateTracker, language: str = "en") -> str:
    metadata = getattr(tracker.latest_message, "metadata", None) or {}
    button = isinstance(metadata, dict) and metadata.get(contract.WIDGET_KEY) == WIDGET
    if language == "es":
        return REACH_BY_BUTTON_ES if button else REACH_BY_TYPING_ES
    return REACH_BY_BUTTON if button else REACH_BY_TYPING


def profile_values(language: str = "en") -> Dict[str, str]:
    """The profile's values; in Spanish (the clinic's `spanish:` wording and the Spanish defaults) for "es"."""
    try:
        return current_profile().as_slots(language)
    except ProfileError as exc:  # `make run` checks the profile first; this only guards a later edit
        logger.error("clinic profile unusable, answers will lack its details: %s", exc)
        return {}


class ProfileNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's own response generator, with the clinic profile's values available to every response."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None,
                 **_: Any) -> None:
        rasa_seam.warn_unless_installed(type(self).__name__)
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        # The English variations say language = en (domain.yml: a Spanish conversation must never get them at
        # random): a tracker without the slot (a domain without it, a test's bare tracker) gets English.
        language = language_of_tracker(tracker)
        values: Dict[str, Any] = {**profile_values(language), "reach_person": reach_person(tracker, language),
                                  "language": language}
        values.update({k: v for k, v in tracker.current_slot_values().items() if v is not None})
        return self.generate_from_slots(utter_action, values, output_channel, **kwargs)
