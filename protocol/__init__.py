"""Prikbord's wire contract: pure, synchronous and deterministic.

Nothing in this package does I/O, reads the clock or draws random numbers;
time and randomness are passed in. Server, Python client and (ported) the web
client share these semantics. See ``protocol/SPEC.md``.
"""

from protocol.version import PROTOCOL_VERSION, SUBPROTOCOL

__all__ = ["PROTOCOL_VERSION", "SUBPROTOCOL"]
