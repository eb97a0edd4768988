"""Link tokens: what a token proves (board, role, generation) and what it
never does (forged, tampered, another board's, replaced, expired); access
codes as compared."""

from __future__ import annotations

import base64

import pytest
from itsdangerous import URLSafeSerializer

from server.access import EXPIRED, INVALID, REPLACED, link_problem, normalize_code
from server.engine.links import LinkState
from server.tokens import MAX_GENERATION, Grant, Signer

SECRET = "unit-test-secret-0123456789"


def test_a_token_names_board_role_and_generation() -> None:
    signer = Signer(SECRET)
    token = signer.link_token("b1", "facilitator", 3)
    assert signer.read_link(token) == Grant("b1", "facilitator", 3)
    assert signer.read_link(signer.link_token("b1", "viewer")) == Grant("b1", "viewer", 0)


def test_a_token_made_before_generations_reads_as_generation_0() -> None:
    old = URLSafeSerializer(SECRET, salt="prikbord.link").dumps(["b1", "participant"])
    assert Signer(SECRET).read_link(old) == Grant("b1", "participant", 0)


def test_forged_and_tampered_tokens_are_refused() -> None:
    signer = Signer(SECRET)
    token = signer.link_token("b1", "participant", 0)
    # Signed with another secret.
    assert (
        signer.read_link(Signer("another-secret-0123456789").link_token("b1", "facilitator"))
        is None
    )
    # The payload changed, the signature kept: participant → facilitator.
    payload, sig = token.rsplit(".", 1)
    forged = base64.urlsafe_b64encode(b'["b1","facilitator",0]').rstrip(b"=").decode()
    assert signer.read_link(f"{forged}.{sig}") is None
    # A flipped signature character; a cut token; junk.
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    assert signer.read_link(f"{payload}.{flipped}") is None
    assert signer.read_link(token[:-3]) is None
    assert signer.read_link("") is None
    assert signer.read_link("not.a.token") is None
    # A link token is not an identity and an identity is not a link token.
    assert signer.read_link(signer.identity("actor1")) is None
    assert signer.read_identity(token) is None


@pytest.mark.parametrize(
    "payload",
    [
        ["b1"],
        ["b1", "owner", 0],
        ["b1", "participant", -1],
        ["b1", "participant", MAX_GENERATION + 1],
        ["b1", "participant", 1.0],
        ["b1", "participant", True],
        ["b1", "participant", "1"],
        [1, "participant", 0],
        ["b1", "participant", 0, 99],
        {"board": "b1", "role": "participant"},
    ],
    ids=["short", "unknown-role", "negative-gen", "huge-gen", "float-gen", "bool-gen",
         "str-gen", "int-board", "extra-field", "map"],
)  # fmt: skip
def test_well_signed_but_malformed_payloads_are_refused(payload: object) -> None:
    token = URLSafeSerializer(SECRET, salt="prikbord.link").dumps(payload)
    assert Signer(SECRET).read_link(token) is None


def test_link_problem_wrong_board_is_the_callers_check() -> None:
    """A grant names its board; Access.grant compares it with the board
    asked for (tested against real servers). Here: the generation rules."""
    state = LinkState(gens={"participant": 2}, expires={"viewer": 5_000})
    assert link_problem(Grant("b1", "participant", 2), state, now=0) is None
    assert link_problem(Grant("b1", "participant", 1), state, now=0) == REPLACED
    assert link_problem(Grant("b1", "participant", 0), state, now=0) == REPLACED
    assert link_problem(Grant("b1", "participant", 3), state, now=0) == INVALID  # never made
    assert link_problem(Grant("b1", "facilitator", 0), state, now=0) is None


def test_an_expired_link_stops_at_its_expiry() -> None:
    state = LinkState(expires={"viewer": 5_000})
    assert link_problem(Grant("b1", "viewer", 0), state, now=4_999) is None
    assert link_problem(Grant("b1", "viewer", 0), state, now=5_000) == EXPIRED
    assert link_problem(Grant("b1", "participant", 0), state, now=10**12) is None
    # Replaced wins over expired: the reason that stays true.
    state = LinkState(gens={"viewer": 1}, expires={"viewer": 5_000})
    assert link_problem(Grant("b1", "viewer", 0), state, now=9_000) == REPLACED


@pytest.mark.parametrize(
    ("code", "normal"),
    [("k7r2", "K7R2"), (" 4821 ", "4821"), ("A" * 32, "A" * 32), ("abc", None), ("A" * 33, None),
     ("12 34", None), ("12-34", None), ("", None), ("ÄBCD", None),
     ("\uff11\uff12\uff13\uff14", None)],  # full-width digits
)  # fmt: skip
def test_access_codes_are_letters_and_digits_compared_case_insensitively(
    code: str, normal: str | None
) -> None:
    assert normalize_code(code) == normal
