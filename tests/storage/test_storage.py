"""The project's tables: migrations up and down, and the handoff queue."""
import pytest
from sqlalchemy import inspect

from bot.storage import migrate
from bot.storage.db import StorageError, get_engine
from bot.storage.handoffs import open_handoffs, request_handoff


@pytest.fixture()
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'iop.db'}"
    migrate.upgrade(url)
    return url


def test_migrations_create_and_drop_the_tables(db_url):
    assert "handoffs" in inspect(get_engine(db_url)).get_table_names()
    migrate.downgrade(db_url)
    assert "handoffs" not in inspect(get_engine(db_url)).get_table_names()
    migrate.upgrade(db_url)
    assert "handoffs" in inspect(get_engine(db_url)).get_table_names()


def test_urgent_handoffs_come_first_and_one_per_conversation(db_url):
    a = request_handoff("conv-a", "rest", "asked_for_person", "routine", url=db_url)
    b = request_handoff("conv-b", "socketio", "risk", "urgent", "suicide", url=db_url)
    # The same conversation escalating again raises the open handoff, it does not add a second.
    a2 = request_handoff("conv-a", "rest", "risk", "imminent", "overdose", url=db_url)
    assert a2 == a
    queue = open_handoffs(db_url)
    assert [h.conversation_id for h in queue] == ["conv-a", "conv-b"]
    assert (queue[0].urgency, queue[0].category, queue[0].status) == ("imminent", "overdose", "waiting")
    assert queue[1].id == b


def test_urgency_is_never_lowered(db_url):
    request_handoff("conv", "rest", "risk", "imminent", "suicide", url=db_url)
    request_handoff("conv", "rest", "asked_for_person", "routine", url=db_url)
    (handoff,) = open_handoffs(db_url)
    assert (handoff.urgency, handoff.reason) == ("imminent", "risk")


def test_a_database_that_is_down_gives_a_storage_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"  # the folder does not exist: cannot open
    with pytest.raises(StorageError):
        request_handoff("conv", "rest", "risk", "urgent", url=url)


def test_unknown_urgency_is_refused(db_url):
    with pytest.raises(ValueError):
        request_handoff("conv", "rest", "risk", "whenever", url=db_url)
