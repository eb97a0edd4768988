"""Worker processes die with the ``prikbord serve`` process that started them.

uvicorn's worker supervisor does not take its workers down when it is
SIGKILLed; they would keep the port and serve without their embedded Valkey.
Each worker therefore asks the kernel (``PR_SET_PDEATHSIG``) for SIGTERM when
its parent goes, which uvicorn turns into a graceful shutdown.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask for SIGTERM when the parent process dies (Linux; else a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return
    if os.getppid() != parent or parent == 1:  # the parent died before we asked
        os.kill(os.getpid(), signal.SIGTERM)
