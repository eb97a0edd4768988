"""Which addresses a link preview may reach (server/previews/addresses.py)."""

from __future__ import annotations

import ipaddress

import pytest

from server.previews.addresses import refusal
from server.previews.fetch import Guard, Refused

REFUSED = [
    "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::",
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "fd00::1", "fc00::1",
    "169.254.169.254", "fd00:ec2::254", "fe80::1", "169.254.1.1",
    "100.64.0.1", "100.127.255.254",
    "224.0.0.1", "ff02::1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.51.100.1", "203.0.113.9",
    "198.18.0.1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "::127.0.0.1", "2002:7f00:1::1", "2002:a9fe:a9fe::1", "64:ff9b::a9fe:a9fe",
    "64:ff9b::7f00:1", "64:ff9b:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
]  # fmt: skip
ALLOWED = ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.215.14",
           "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"]  # fmt: skip


@pytest.mark.parametrize("addr", REFUSED)
def test_refused(addr: str) -> None:
    assert refusal(ipaddress.ip_address(addr)) is not None, addr


@pytest.mark.parametrize("addr", ALLOWED)
def test_public_allowed(addr: str) -> None:
    assert refusal(ipaddress.ip_address(addr)) is None, addr


def test_metadata_reasons_are_clear() -> None:
    assert refusal(ipaddress.ip_address("169.254.169.254")) == "link-local"
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1")) == "loopback (inside an IPv6 address)"
    assert refusal(ipaddress.ip_address("100.64.0.1")) == "shared (CGNAT)"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/",
        "http://example.com:22/", "http://example.com:6379/", "https://example.com:8443/",
        "http://127.0.0.1/", "http://[::1]/", "http://10.1.2.3/", "http://169.254.169.254/latest/",
        "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://user:pw@example.com/",
        "http:///nohost", "http://[::1/",
    ],
)  # fmt: skip
def test_urls_refused(url: str) -> None:
    with pytest.raises(Refused):
        Guard().check_url(url)


def test_urls_allowed() -> None:
    for url in ["http://example.com/", "https://example.com:443/a?b#c", "http://1.1.1.1:80/"]:
        Guard().check_url(url)


def test_test_loopback_port_opens_only_that_port() -> None:
    guard = Guard(loopback_port=8123)
    guard.check_url("http://127.0.0.1:8123/")
    guard.check_url("http://[::1]:8123/")
    for url in ["http://127.0.0.1/", "http://127.0.0.1:8124/", "http://10.0.0.1:8123/"]:
        with pytest.raises(Refused):
            guard.check_url(url)
