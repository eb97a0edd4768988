"""Which addresses a preview fetch may connect to: public unicast only.

A link on a card is chosen by anyone with a participant link, and the server
fetches it from inside the hub's network: without this check a card could
make the server read its own admin ports, the cloud metadata service
(169.254.169.254, fd00:ec2::254) or machines on the private network
(server-side request forgery). The check is on the *address* the socket
connects to, after our own name resolution (fetch.py), never on the name.

Refused: loopback, private (RFC 1918, ULA fc00::/7), link-local (incl. the
metadata addresses), shared/CGNAT 100.64.0.0/10, multicast, unspecified,
reserved and documentation ranges, and IPv6 forms that carry an IPv4 address
(IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible, 6to4, Teredo, NAT64
64:ff9b::/96), judged by the IPv4 address inside.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Ports a link may name: the web's. Anything else is some other service
#: (a database, a mail server, an admin console) a link has no business in.
WEB_PORTS = frozenset({80, 443})

#: NAT64's well-known prefix: the low 32 bits are an IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address (the server's is public)
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why a fetch may not connect to ``ip`` ("loopback", ...), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped (link-local)"
        inner = embedded_v4(ip)
        if inner is not None:
            why = refusal(inner)
            return f"{why} (inside an IPv6 address)" if why else None
        if ip in _NAT64_LOCAL:
            return "private (local NAT64)"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "shared (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not public"
    return None


def parse_ip(text: str) -> IPAddress | None:
    """``text`` as an address (brackets and an IPv6 zone allowed), or None
    for a name."""
    host = text.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
