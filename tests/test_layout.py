"""The layout by process (README "Layout"): imports run one way, and the core and the tools stay where they are."""
import ast
from pathlib import Path
from typing import Iterator, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("bot", "actions", "tools")
# Each package and the project packages it may import (its own included); "bot" is bot/__init__.py.
ALLOWED = {
    "bot/core": {"bot", "bot.core"},
    "bot/storage": {"bot", "bot.core", "bot.storage"},
    "bot/server": {"bot", "bot.core", "bot.storage", "bot.server"},
    "bot/console": {"bot", "bot.core", "bot.storage", "bot.console"},
    "actions": {"bot", "bot.core", "bot.storage", "actions"},
}


def imports(path: Path) -> Iterator[Tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) == 1:
        return parts[0]
    return "bot" if parts[1] == "__init__" else f"bot.{parts[1]}"


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_imports_run_one_way(folder):
    wrong: Set[str] = set()
    for path in sorted((ROOT / folder).rglob("*.py")):
        for line, module in imports(path):
            if module.split(".")[0] in PROJECT and package_of(module) not in ALLOWED[folder]:
                wrong.add(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, sorted(wrong)


def test_every_module_of_bot_is_in_a_process_package():
    top = sorted(p.name for p in (ROOT / "bot").iterdir() if p.name != "__pycache__")
    assert top == ["__init__.py", "console", "core", "server", "storage"]
    assert not (ROOT / "bot" / "tools").exists() and (ROOT / "tools" / "__init__.py").exists()


def test_the_core_imports_no_rasa_and_the_runtime_no_tools():
    for path in sorted((ROOT / "bot" / "core").rglob("*.py")):
        rasa = [m for _, m in imports(path) if m.split(".")[0] in ("rasa", "rasa_sdk", "sanic", "socketio")]
        assert not rasa, (path, rasa)
    for package in ("bot", "actions"):
        for path in sorted((ROOT / package).rglob("*.py")):
            assert not [m for _, m in imports(path) if m.split(".")[0] == "tools"], path
