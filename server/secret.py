"""The link-signing secret: where it lives, and never in Redis.

Whoever holds the secret can mint a facilitator link for every board and
an identity for every participant, so it is kept where only the server's
own user can read it:

* **Embedded Valkey** (no Redis URL): a file ``secret`` in the data
  directory, mode 0600, in a directory of mode 0700 — created on the first
  start. ``prikbord serve`` makes it before its workers start and hands every
  worker the same file (``PRIKBORD_SECRET_FILE``), so all of them sign alike.
* **External Redis**: ``PRIKBORD_SECRET`` (the value) or
  ``PRIKBORD_SECRET_FILE`` (a file holding it, e.g. a container secret);
  without either the server refuses to start, since a secret kept in Redis
  would land in its AOF and every backup.

Rotating the secret (README, "Secrets") invalidates every link and every
participant identity of every board.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: The file name of the embedded server's secret in its data directory.
SECRET_FILE_NAME = "secret"
#: 32 random bytes, URL-safe: far beyond guessing, short enough for an env var.
_NEW_SECRET_BYTES = 32
#: A shorter secret is refused: "changeme" or a word is found by trying a
#: dictionary against one link token offline, with no rate limit to stop it.
MIN_SECRET_CHARS = 16
#: A secret file is a few dozen bytes; reading more is a mistake (a path to
#: the wrong file), not a secret.
_MAX_SECRET_FILE = 4096


class SecretError(Exception):
    """No usable secret: the message says what to do."""


def read_secret(secret: str, secret_file: str) -> str:
    """The secret from ``secret`` (``PRIKBORD_SECRET``) or else from the file
    ``secret_file`` (``PRIKBORD_SECRET_FILE``). Raises SecretError."""
    source = "PRIKBORD_SECRET"
    value = secret.strip()
    if not value and secret_file:
        source = secret_file
        path = Path(secret_file)
        try:
            with path.open("rb") as f:
                raw = f.read(_MAX_SECRET_FILE + 1)
        except OSError as exc:
            raise SecretError(
                f"cannot read the secret file {secret_file}: {exc.strerror}"
            ) from None
        if len(raw) > _MAX_SECRET_FILE:
            raise SecretError(f"{secret_file} is not a secret file (over {_MAX_SECRET_FILE} bytes)")
        value = raw.decode("utf-8", "replace").strip()
    if not value:
        raise SecretError(
            "no link-signing secret: set PRIKBORD_SECRET (a long random string, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`) or "
            "PRIKBORD_SECRET_FILE (a file holding one); every node of a deployment needs the same"
        )
    if len(value) < MIN_SECRET_CHARS:
        raise SecretError(
            f"the secret in {source} is too short ({len(value)} characters, at least "
            f"{MIN_SECRET_CHARS}): use a long random string"
        )
    return value


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if needed and make it 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError as exc:
        raise SecretError(f"cannot make {path} private (0700): {exc.strerror}") from None


def ensure_secret_file(data_dir: Path, adopt: str | None = None) -> Path:
    """The embedded server's secret file in ``data_dir``: created (mode
    0600, directory 0700) holding ``adopt`` or a fresh random secret when
    missing; an existing one is made 0600 again and kept. Raises
    SecretError."""
    make_private_dir(data_dir)
    path = data_dir / SECRET_FILE_NAME
    if not path.exists():
        value = adopt or secrets.token_urlsafe(_NEW_SECRET_BYTES)
        tmp = data_dir / f".{SECRET_FILE_NAME}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(value + "\n")
                f.flush()
                os.fsync(f.fileno())
            # link, not rename: a second server racing us keeps its own
            # answer out, and both end up reading the one that won.
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        except OSError as exc:
            raise SecretError(f"cannot write the secret file {path}: {exc.strerror}") from None
        finally:
            tmp.unlink(missing_ok=True)
    try:
        path.chmod(0o600)
    except OSError as exc:
        raise SecretError(f"cannot make {path} private (0600): {exc.strerror}") from None
    read_secret("", str(path))  # fail now, with a clear message, if it is unusable
    return path
