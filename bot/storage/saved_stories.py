"""A test conversation as a Rasa test story: `/save NAME` in the staff shell and "Save as a test" in the console.

Both write one file per story under tests/stories/saved/ (SAVED_STORIES_DIR), which `make test` runs with
`rasa test core --fail-on-prediction-errors`. What was said is kept as typed, with phone numbers and e-mail
addresses masked as in the logs.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Union

import yaml

from bot.core.privacy import mask
from bot.core.settings import ROOT

STORY_NAME = re.compile(r"[A-Za-z0-9_-]{1,60}")
NAME_RULE = "the name: letters, digits, '_' or '-', up to 60"


def saved_dir() -> Path:
    return Path(os.environ.get("SAVED_STORIES_DIR") or ROOT / "tests" / "stories" / "saved")


def story_text(tracker: Union[Any, Dict[str, Any]], name: str, source: str) -> str:
    """The conversation so far (a Rasa tracker, or its JSON from the HTTP API) as a test story file."""
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    if isinstance(tracker, dict):
        tracker = DialogueStateTracker.from_dict(str(tracker.get("sender_id") or name), tracker.get("events") or [])
    data = yaml.safe_load(tracker.export_stories(YAMLStoryWriter(), e2e=True)) or {}
    stories = data.get("stories") or []
    # The writer marks the risk layer's entities inside the text ("[...]{...}"): the words as typed instead.
    said = iter([e.text or "" for e in tracker.events if isinstance(e, UserUttered)])
    for story in stories:
        story["story"] = f"{source}: {name}"
        for step in story.get("steps") or []:
            if "user" in step:
                step["user"] = mask(next(said, step["user"]))
                step.pop("entities", None)
    body = yaml.safe_dump({"version": "3.1", "stories": stories}, sort_keys=False, allow_unicode=True, width=120)
    return f"# Saved from {source}. Edit what the bot should do, then run make test.\n{body}"


def has_turns(tracker: Union[Any, Dict[str, Any]]) -> bool:
    events = tracker.get("events") if isinstance(tracker, dict) else getattr(tracker, "events", None)
    return any((e.get("event") if isinstance(e, dict) else getattr(e, "type_name", "")) == "user"
               for e in events or [])


def write(name: str, text: str, directory: Path | None = None) -> Path:
    """Writes NAME.yml; never over another story (FileExistsError), and only under a valid name (ValueError)."""
    if not STORY_NAME.fullmatch(name or ""):
        raise ValueError(NAME_RULE)
    directory = directory or saved_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yml"
    with path.open("x", encoding="utf-8") as out:  # "x": an existing story is never overwritten
        out.write(text)
    return path
