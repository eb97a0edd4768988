"""Error and close codes: ranges, and close reasons that fit a close frame."""

from __future__ import annotations

import pytest
from websockets.frames import Close, Frame, Opcode

from protocol.errors import MAX_CLOSE_REASON, CloseCode, ErrorCode, close_reason


def _fits_a_close_frame(code: int, reason: str) -> bool:
    """What the server's WebSocket library does with it: a close frame's
    payload over 125 bytes is refused, so the close itself would fail."""
    payload = Close(code, reason).serialize()
    try:
        Frame(Opcode.CLOSE, payload).serialize(mask=False, extensions=[])
    except Exception:
        return False
    return True


@pytest.mark.parametrize(
    "text",
    ["", "short", "x" * 200, "é" * 100, "€" * 100, "𝄞" * 40, "a" + "𝄞" * 40, "ab" + "😂" * 60,
     "bad hello: '" + "\U0001f3f3\ufe0f\u200d\U0001f308" * 20 + "'"],
    ids=["empty", "short", "ascii", "2-byte", "3-byte", "4-byte", "4-byte-offset-1",
         "4-byte-offset-2", "zwj-sequences"],
)  # fmt: skip
def test_close_reason_is_at_most_123_bytes_on_a_character_boundary(text: str) -> None:
    cut = close_reason(text)
    data = cut.encode("utf-8")
    assert len(data) <= MAX_CLOSE_REASON
    assert text.startswith(cut)
    # Nothing was cut that would have fit: the next character would not.
    if cut != text:
        assert len((cut + text[len(cut)]).encode("utf-8")) > MAX_CLOSE_REASON
    assert _fits_a_close_frame(CloseCode.BAD_HANDSHAKE, cut)


def test_a_reason_cut_by_characters_did_not_fit() -> None:
    """The old cut (120 characters) overflows with 4-byte characters."""
    assert not _fits_a_close_frame(CloseCode.BAD_HANDSHAKE, ("𝄞" * 40)[:120])


def test_lone_surrogates_cannot_break_the_close() -> None:
    cut = close_reason("a\udc80b")
    assert cut == "a?b"


def test_code_ranges() -> None:
    assert ErrorCode.RATE_LIMITED.retryable and not ErrorCode.INVALID.retryable
    assert ErrorCode.RESYNC.needs_resync and not ErrorCode.NOT_FOUND.needs_resync
    assert CloseCode.GOING_AWAY.reconnect and not CloseCode.UNAUTHORIZED.reconnect
