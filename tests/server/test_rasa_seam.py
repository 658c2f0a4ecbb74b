"""The one seam to Rasa (bot/server/rasa_seam.py, issue 20): it refuses another Rasa version, importing the project
installs nothing, and no other module of the project touches a private name of Rasa, Sanic or socket.io."""
from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from bot.server import rasa_seam

ROOT = Path(__file__).resolve().parents[2]
SEAM = ROOT / "bot" / "server" / "rasa_seam.py"
EXTERNAL = ("rasa", "sanic", "socketio", "engineio", "sanic_routing")


# ---------------------------------------------------------------------------------------------- version
def test_the_install_refuses_another_rasa_version(monkeypatch):
    from rasa import version
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    monkeypatch.setattr(rasa_seam, "_installed", False)
    monkeypatch.setattr(version, "__version__", "3.6.20")
    before = (RemoteAction.__dict__["_validate_action_result"], MessageProcessor.__dict__["__init__"])
    with pytest.raises(rasa_seam.RasaVersionError) as refused:
        rasa_seam.install()
    assert "Rasa 3.6.20 is installed" in str(refused.value)
    assert "3.6.21" in str(refused.value) and "bot/server/rasa_seam.py" in str(refused.value)
    assert not rasa_seam.installed()
    # Nothing was half installed.
    assert (RemoteAction.__dict__["_validate_action_result"], MessageProcessor.__dict__["__init__"]) == before


@pytest.mark.parametrize("other", ["3.7.0", "3.6.21rc1", "4.0.0"])
def test_the_version_check_wants_exactly_the_pinned_version(monkeypatch, other):
    from rasa import version

    rasa_seam.check_rasa_version()  # the installed one (requirements.lock) passes
    monkeypatch.setattr(version, "__version__", other)
    with pytest.raises(rasa_seam.RasaVersionError):
        rasa_seam.check_rasa_version()


def test_the_seam_classes_refuse_another_rasa_version_when_built(monkeypatch, tmp_path):
    from rasa import version

    from bot.server.tracker_store import UrlSQLTrackerStore

    monkeypatch.setattr(version, "__version__", "3.5.0")
    with pytest.raises(rasa_seam.RasaVersionError):
        UrlSQLTrackerStore(url=f"sqlite:///{tmp_path / 'tracker.db'}")


def test_the_rasa_command_stops_with_the_reason_on_another_version(monkeypatch, capsys):
    from rasa import version

    from bot.server.rasa_cli import run_rasa

    monkeypatch.setattr(rasa_seam, "_installed", False)
    monkeypatch.setattr(version, "__version__", "3.6.20")
    assert run_rasa(["run", "--help"]) == 2  # Rasa itself is never started
    assert "error: Rasa 3.6.20 is installed" in capsys.readouterr().err


def test_the_pinned_version_is_the_one_in_requirements():
    assert f"rasa[spacy]=={rasa_seam.RASA_VERSION}" in (ROOT / "requirements.in").read_text()
    assert f"\nrasa=={rasa_seam.RASA_VERSION}\n" in (ROOT / "requirements.lock").read_text()


def test_every_rasa_process_of_the_project_starts_through_the_install():
    assert "run_rasa" in (ROOT / "bot" / "server" / "serve.py").read_text()
    assert "rasa_seam.install()" in (ROOT / "bot" / "server" / "rasa_cli.py").read_text()
    assert "python -m bot.server.serve" in (ROOT / "scripts" / "run.sh").read_text()
    assert ".venv/bin/python -m bot.server.rasa_cli run" in (ROOT / "scripts" / "shell.sh").read_text()
    assert "-m bot.server.rasa_cli test core" in (ROOT / "Makefile").read_text()


# ----------------------------------------------------------------------------- importing installs nothing
def project_modules() -> List[str]:
    names = []
    for package in ("bot", "actions", "tools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts or relative.name == "__main__":
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            names.append(".".join(parts))
    return names


IMPORT_EVERYTHING = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event
from bot.server import rasa_seam
changed = []
if rasa_seam.installed():
    changed.append("rasa_seam.installed()")
if RemoteAction._validate_action_result is rasa_seam.validate_action_result:
    changed.append("RemoteAction._validate_action_result")
if hasattr(Event.resolve_by_type, "__wrapped__"):
    changed.append("Event.resolve_by_type")
if hasattr(MessageProcessor.__init__, "__wrapped__"):
    changed.append("MessageProcessor.__init__")
print("CHANGED:" + ",".join(changed))
"""


def test_importing_the_projects_modules_installs_nothing():
    modules = project_modules()
    assert "bot.server.nlg" in modules and "bot.server.channels.socketio" in modules and "bot.server.tracker_store" in modules
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING, *modules], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "CHANGED:\n" in done.stdout, done.stdout


# ------------------------------------------------------------------------------ no private name elsewhere
def source_files() -> Iterator[Path]:
    for package in ("bot", "actions", "tools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != SEAM and "migrations" not in path.parts:
                yield path


def is_external(module: str) -> bool:
    return module.split(".")[0] in EXTERNAL


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def names_the_project_defines() -> Set[str]:
    """Every private name the project's own code outside the seam defines: functions, classes, and attributes
    it assigns on self or cls."""
    defined: Set[str] = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                defined.add(node.attr)
    return {name for name in defined if is_private(name)}


def external_imports(tree: ast.AST) -> Dict[str, Tuple[str, str]]:
    """Local name -> (module, name) for everything a module imports from rasa, sanic or socket.io."""
    found: Dict[str, Tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and is_external(node.module):
            for alias in node.names:
                found[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if is_external(alias.name):
                    found[alias.asname or alias.name.split(".")[0]] = (alias.name, "")
    return found


def private_uses(path: Path, ours: Set[str]) -> List[str]:
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(ROOT)
    imported = external_imports(tree)
    found = []
    for node in ast.walk(tree):
        # `from rasa.x import _y`, `from rasa._x import y`, `import sanic._x`
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and is_external(node.module):
            for alias in node.names:
                if is_private(alias.name) or any(is_private(p) for p in node.module.split(".")):
                    found.append(f"{where}:{node.lineno} imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if is_external(alias.name) and any(is_private(p) for p in alias.name.split(".")):
                    found.append(f"{where}:{node.lineno} imports {alias.name}")
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            base = node.value
            # Sanic._app_registry, rasa.core.x._y: a private name of something imported from Rasa & co.
            root = base
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in imported:
                found.append(f"{where}:{node.lineno} touches {ast.unparse(node)}")
            # super()._x: a private method of the base class.
            elif isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                found.append(f"{where}:{node.lineno} calls {ast.unparse(node)}")
            # obj._x where the project defines no _x: someone else's private name (out._send_message, ...).
            elif node.attr not in ours:
                found.append(f"{where}:{node.lineno} touches {ast.unparse(node)}, which the project does not define")
    # A private method of a Rasa, Sanic or socket.io base class overridden by a subclass.
    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        if not inspect.isclass(cls):
            continue
        bases = [b for b in cls.__mro__[1:] if is_external(b.__module__)]
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_private(item.name):
                for base in bases:
                    if item.name in vars(base):
                        found.append(f"{where}:{item.lineno} {node.name}.{item.name} overrides "
                                     f"{base.__module__}.{base.__name__}.{item.name}")
    return found


def test_no_module_outside_the_seam_touches_a_private_rasa_sanic_or_socketio_name():
    ours = names_the_project_defines()
    found = [use for path in source_files() for use in private_uses(path, ours)]
    assert found == [], "\n".join(found)


def test_the_check_sees_what_the_seam_does():
    # Run on the seam itself, the same check finds its uses: proof that it would find them anywhere else.
    found = private_uses(SEAM, names_the_project_defines())
    text = "\n".join(found)
    assert "Sanic._app_registry" in text
    assert "super()._retrieve" in text and "super()._additional_events" in text
    assert "overrides rasa.core.tracker_store.SQLTrackerStore._retrieve" in text
    assert "overrides rasa.core.channels.rest.RestInput._extract_sender" in text
    assert "output._send_message" in text


# ------------------------------------------------------------------------------ what the seam's pieces do
def test_the_stored_event_count_is_kept_beside_the_tracker_not_on_it(tmp_path):
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.server.tracker_store import UrlSQLTrackerStore

    store = UrlSQLTrackerStore(Domain.empty(), url=f"sqlite:///{tmp_path / 'tracker.db'}")
    tracker = DialogueStateTracker.from_events("c1", [ActionExecuted("action_listen"),
                                                      UserUttered("hi", {"name": "greet", "confidence": 1.0})])
    before = set(vars(tracker))
    assert rasa_seam.stored_events(tracker) is None
    asyncio.run(store.save(tracker))
    assert rasa_seam.stored_events(tracker) == len(tracker.events)
    assert set(vars(tracker)) == before  # nothing of the project's on Rasa's tracker
    again = asyncio.run(store.retrieve("c1"))
    assert again is not tracker and rasa_seam.stored_events(again) == len(again.events) == len(tracker.events)


def test_the_socketio_server_rasa_builds_gets_the_projects_session_handler_and_origin_check(monkeypatch):
    from bot.server.channels import socketio as channel

    monkeypatch.delenv("REDIS_URL", raising=False)
    guarded = channel.GuardedSocketIOInput(session_persistence=True)

    async def handler(message):
        return None

    guarded.blueprint(handler)
    sio = guarded.sio
    session_request = sio.handlers["/"]["session_request"]
    assert session_request.__module__ == "bot.server.channels.socketio"  # Rasa's own handler was replaced
    assert callable(sio.eio.cors_allowed_origins) and sio.eio.cors_credentials is False


def test_the_redis_manager_is_swapped_in_for_several_processes(monkeypatch):
    import socketio

    from bot.server.channels import socketio as channel

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never connected to in this test
    guarded = channel.GuardedSocketIOInput(session_persistence=True)

    async def handler(message):
        return None

    guarded.blueprint(handler)
    assert isinstance(guarded.sio.manager, socketio.AsyncRedisManager)
    assert guarded.sio.manager.server is guarded.sio
