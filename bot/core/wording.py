"""The texts that go out without a Rasa turn, read from domain.yml like every other response.

Rasa renders a turn's responses itself (bot/server/nlg.py). A few texts are sent by the project's own code outside a
turn: the SMS line's answers to STOP, START, HELP and a picture, the REST channel's answer to an empty
message, the staff console's notices, the widget's error pages. They are responses in domain.yml too
(utter_sms_*, utter_empty_message, utter_staff_*, utter_page_*), so every word the bot says, and every
crisis number, is written in one place and printed by `make script` for review. Rasa-free: YAML only.

A variation is picked as the Rasa server picks it (rasa/core/nlg/generator.py, ResponseVariationFilter, 3.6):
a conditional variation for the channel, else a plain one for the channel, else a conditional one for any
channel, else the plain one; the only slot known outside a turn is `language` ("es" picks the Spanish
variations, e.g. the Spanish answer to "no más" by SMS).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.core import contract
from bot.core.settings import ROOT

logger = logging.getLogger(__name__)
DOMAIN = ROOT / "domain.yml"
# Only when domain.yml cannot be read or lacks the response (a broken edit): never leave a person without
# the numbers. The one crisis text written in code.
LAST_RESORT = "If you are in danger, call 911, or call or text 988."


@lru_cache(maxsize=4)
def _responses(path: Path, mtime: float) -> Dict[str, List[Dict[str, Any]]]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])


def responses(path: Optional[Path] = None) -> Dict[str, List[Dict[str, Any]]]:
    """domain.yml's responses, read again when the file changes."""
    path = Path(path or DOMAIN)
    return _responses(path, path.stat().st_mtime)


def _matches(variation: Dict[str, Any], slots: Dict[str, Any]) -> bool:
    for condition in variation.get("condition") or []:
        wanted, value = condition.get("value"), slots.get(str(condition.get("name")))
        if isinstance(wanted, str) and isinstance(value, str):
            if wanted.casefold() != value.casefold():
                return False
        elif wanted != value:
            return False
    return True


def _variation(variations: List[Dict[str, Any]], channel: Optional[str],
               slots: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The variation Rasa would send on `channel` with these slots (the first of its kind, not a random one)."""
    conditional = [v for v in variations if v.get("condition") and _matches(v, slots or {})]
    plain = [v for v in variations if not v.get("condition")]
    for pool in (conditional, plain):
        for v in pool:
            if channel and v.get("channel") == channel:
                return v
    return next(v for pool in (conditional, plain) for v in pool if not v.get("channel"))


def _profile_values(language: Optional[str] = None) -> Dict[str, str]:
    from bot.core.profile import ProfileError, current_profile

    try:
        return current_profile().as_slots(language)
    except ProfileError as exc:
        logger.error("clinic profile unusable, a text will lack its details: %s", exc)
        return {}


def text(name: str, channel: Optional[str] = None, language: Optional[str] = None, **values: str) -> str:
    """The response's text for the channel (its `channel:` variation, else the plain one) and the language
    ("es": the Spanish variation where there is one), with `values` and the clinic profile's values filled in (its
    Spanish values for "es")."""
    try:
        condition = {contract.LANGUAGE: contract.conversation_language(language)}
        wording = str(_variation(responses()[name], channel, condition)["text"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, StopIteration) as exc:
        logger.error("response %s unavailable in %s (%r): sending the last-resort text", name, DOMAIN, exc)
        return LAST_RESORT
    needed = set(re.findall(r"\{(\w+)\}", wording)) - set(values)
    filled = {**(_profile_values(language) if needed else {}), **values}
    return re.sub(r"\{(\w+)\}", lambda m: str(filled.get(m.group(1), m.group(0))), wording)


def custom(name: str) -> Optional[Dict[str, Any]]:
    """The plain variation's `custom` payload (the widget's crisis links), or None when domain.yml cannot be read
    or lacks it: the caller then keeps its own last-resort copy."""
    try:
        payload = _variation(responses()[name], None, {contract.LANGUAGE: contract.ENGLISH}).get("custom")
    except (OSError, yaml.YAMLError, KeyError, TypeError, StopIteration) as exc:
        logger.error("response %s unavailable in %s (%r)", name, DOMAIN, exc)
        return None
    return payload if isinstance(payload, dict) else None
