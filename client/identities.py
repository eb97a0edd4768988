"""Identities the CLI remembers, per board, so repeated use stays one author.

The file (``$XDG_CONFIG_HOME/prikbord/identities.json``, default
``~/.config``) maps ``"<server base> <board>"`` to the signed identity of the
last ``welcome``. It is a bearer credential for authorship, so it is written
atomically with mode 0600.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "prikbord" / "identities.json"


class IdentityStore:
    """A small JSON file of identities; a broken or missing file reads as empty."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    @staticmethod
    def _key(http_base: str, board: str) -> str:
        return f"{http_base} {board}"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def get(self, http_base: str, board: str) -> str | None:
        return self._read().get(self._key(http_base, board))

    def put(self, http_base: str, board: str, identity: str) -> None:
        data = self._read()
        key = self._key(http_base, board)
        if data.get(key) == identity:
            return
        data[key] = identity
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
