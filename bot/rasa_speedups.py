"""Costs Rasa 3.6 pays on every turn that the project does not need to pay (measured with `make bench`
and py-spy; README, "Speed"). Each keeps Rasa's behaviour and is checked by tests/test_rasa_speedups.py.

1. After each custom action, Rasa checks the action server's answer with `jsonschema.validate`, which
   checks the whole event schema itself and builds a new validator (and reference resolver) every time:
   about a third of the Rasa server's CPU. The same check with the validator built once gives the same
   verdicts and the same error message. The validator is used only on the server's event loop, never from
   two threads at once (its reference resolver keeps a scope stack while it runs).
2. Every event read from the tracker store finds its class by walking all subclasses of Event (about 7%).
   Found classes are remembered by type name; a name not found yet still takes Rasa's own walk.

Installed by `install()` when the Rasa server loads the project's response generator (bot/nlg.py), so
every Rasa process of the project (run, shell, test) has it; tests/test_rasa_speedups.py checks it.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

_installed = False


@functools.lru_cache(maxsize=None)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once: same errors, same message."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _remembering(resolve):
    found: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    resolve_by_type.__wrapped__ = resolve
    return staticmethod(resolve_by_type)


def install() -> None:
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = _remembering(Event.resolve_by_type)
    _installed = True
