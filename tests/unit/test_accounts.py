"""The pure parts of accounts: name rules, password hashing, the session
cookie, the CSRF checks and the JSON-only rule (no Redis, no server)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from starlette.requests import Request

from server.accounts import csrf, passwords, setup
from server.accounts.http import ApiError, require_json
from server.accounts.sessions import COOKIE, SECURE_COOKIE, SessionCookie
from server.accounts.store import (
    InvalidAccount,
    check_display_name,
    check_role,
    normalize_username,
)
from server.config import Settings


def request(
    headers: dict[str, str], scheme: str = "http", host: str = "hub.example:8000"
) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in {"host": host, **headers}.items()]
    return Request(
        {"type": "http", "method": "POST", "scheme": scheme, "path": "/", "headers": raw}
    )


# --- names ---------------------------------------------------------------------


def test_usernames_are_trimmed_lower_case_and_key_safe() -> None:
    assert normalize_username("  Fien ") == "fien"
    assert normalize_username("fien.de-vries+hub@example.org") == "fien.de-vries+hub@example.org"
    for bad in ("", "a", "-fien", "fi:en", "fi en", "fién", "x" * 65, "{acct}"):
        with pytest.raises(InvalidAccount):
            normalize_username(bad)


def test_display_names_and_roles() -> None:
    assert check_display_name("  Fien de Vries ") == "Fien de Vries"
    for bad in ("", "   ", "x" * 41, "a\nb", "a\u202eb"):
        with pytest.raises(InvalidAccount):
            check_display_name(bad)
    assert check_role("coordinator") == "coordinator"
    with pytest.raises(InvalidAccount):
        check_role("root")


# --- passwords -----------------------------------------------------------------


def test_a_password_verifies_and_a_wrong_one_does_not() -> None:
    stored = passwords.hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse") == (True, None)
    assert passwords.verify_password(stored, "wrong horse") == (False, None)
    assert passwords.verify_password("not a hash", "correct horse") == (False, None)


def test_an_unknown_account_verifies_a_dummy_hash_and_fails() -> None:
    assert passwords.verify_password(None, "anything") == (False, None)
    too_long = "x" * (passwords.MAX_PASSWORD + 1)
    assert passwords.verify_password(passwords.hash_password("x" * 8), too_long) == (False, None)


def test_a_hash_with_weaker_parameters_is_replaced_on_login() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct horse")
    ok, rehash = passwords.verify_password(weak, "correct horse")
    assert ok and rehash is not None and rehash != weak
    assert passwords.verify_password(rehash, "correct horse") == (True, None)
    assert passwords.verify_password(weak, "wrong") == (False, None)  # never on a failure


def test_new_passwords_have_a_length_range() -> None:
    passwords.check_new_password("x" * passwords.MIN_PASSWORD)
    passwords.check_new_password("x" * passwords.MAX_PASSWORD)
    for bad in ("", "x" * (passwords.MIN_PASSWORD - 1), "x" * (passwords.MAX_PASSWORD + 1)):
        with pytest.raises(passwords.WeakPassword):
            passwords.check_new_password(bad)


async def test_hashing_off_the_event_loop() -> None:
    stored = await passwords.hash_password_async("correct horse")
    assert await passwords.verify_password_async(stored, "correct horse") == (True, None)


# --- the session cookie --------------------------------------------------------


def test_the_cookie_is_signed() -> None:
    cookie = SessionCookie("a-long-server-secret-of-tests")
    value = cookie.value("session-id")
    assert value != "session-id" and cookie.session_id(value) == "session-id"
    assert cookie.session_id(value[:-1] + ("A" if value[-1] != "A" else "B")) is None
    assert cookie.session_id("session-id") is None
    assert SessionCookie("another-secret-entirely-here").session_id(value) is None
    assert cookie.session_id("x" * 500) is None


def test_cookie_attributes_over_http_and_https() -> None:
    plain = SessionCookie.header("v", secure=False, max_age=60)
    assert plain == f"{COOKIE}=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
    secure = SessionCookie.header("v", secure=True, max_age=60)
    assert secure.startswith(f"{SECURE_COOKIE}=v; Path=/;") and secure.endswith("; Secure")
    assert "Domain" not in secure  # __Host- cookies must not name a domain
    assert SessionCookie.header("", secure=False, max_age=0).endswith(
        "Max-Age=0; HttpOnly; SameSite=Lax"
    )


# --- CSRF ----------------------------------------------------------------------


def test_same_origin_checks_origin_and_fetch_metadata() -> None:
    settings = Settings()
    assert csrf.same_origin(request({}), settings)  # not a browser page: token decides
    assert csrf.same_origin(request({"origin": "http://hub.example:8000"}), settings)
    assert csrf.same_origin(request({"Sec-Fetch-Site": "same-origin"}), settings)
    assert csrf.same_origin(request({"Sec-Fetch-Site": "none"}), settings)
    refused = [
        {"origin": "https://evil.example"},
        {"origin": "https://hub.example:8000"},  # another scheme is another origin
        {"origin": "http://hub.example:8001"},
        {"origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"origin": "http://hub.example:8000", "Sec-Fetch-Site": "cross-site"},
    ]
    for headers in refused:
        assert not csrf.same_origin(request(headers), settings), headers


def test_the_public_url_and_allowed_origins_count_as_ours() -> None:
    settings = Settings(
        public_url="https://prikbord.example", allowed_origins=("https://x.example",)
    )
    behind_proxy = request({"origin": "https://prikbord.example"}, host="10.0.0.5:8000")
    assert csrf.same_origin(behind_proxy, settings)
    assert csrf.same_origin(request({"origin": "https://x.example"}), settings)
    assert csrf.is_secure(behind_proxy, settings)
    assert not csrf.is_secure(request({}), Settings())
    assert csrf.is_secure(request({}, scheme="https"), Settings())


def test_the_token_must_match() -> None:
    assert csrf.token_ok(request({"X-CSRF-Token": "abc"}), "abc")
    assert not csrf.token_ok(request({"X-CSRF-Token": "abd"}), "abc")
    assert not csrf.token_ok(request({}), "abc")
    assert not csrf.token_ok(request({"X-CSRF-Token": ""}), "")


def test_bodies_must_be_json() -> None:
    require_json(request({"content-type": "application/json"}))
    require_json(request({"content-type": "Application/JSON; charset=utf-8"}))
    for kind in ("", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        with pytest.raises(ApiError) as exc:
            require_json(request({"content-type": kind} if kind else {}))
        assert exc.value.status == 415


def test_the_setup_link_carries_the_token_in_its_fragment() -> None:
    assert setup.link("http://127.0.0.1:8000/", "tok") == "http://127.0.0.1:8000/setup#tok"
