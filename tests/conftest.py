import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def detector():
    from bot.core.risk.detector import default_detector

    return default_detector()


@pytest.fixture()
def project_db(tmp_path, monkeypatch):
    """A fresh, migrated project database that the actions use through DATABASE_URL."""
    from bot.storage import migrate

    url = f"sqlite:///{tmp_path / 'iop.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    migrate.upgrade(url)
    return url


@pytest.fixture()
def make_tracker():
    """Builds a rasa-sdk Tracker whose latest message is `text`, parsed as `intent` with `risk`."""
    from rasa_sdk import Tracker

    def build(text="hi", intent="greet", risk=None, slots=None, events=None, sender="test-user"):
        latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [],
                  "risk": risk or {"is_risk": False}}
        return Tracker(sender_id=sender, slots=dict(slots or {}), latest_message=latest,
                       events=list(events or []) + [{"event": "user", "text": text, "parse_data": latest,
                                                     "input_channel": "rest"}],
                       paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")

    return build


from tests.pg import postgres_url, redis_url  # noqa: E402,F401 - throwaway PostgreSQL and Redis servers
