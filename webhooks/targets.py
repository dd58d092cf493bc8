"""Where a webhook may be sent: HTTPS to public addresses only (no SSRF into our own network).

Plain http:// and loopback addresses are allowed only with TUNEGRAPH_WEBHOOKS_ALLOW_LOOPBACK (local
development and tests); private, link-local, shared, reserved and multicast addresses never are.
The host is resolved and checked at registration and again before every delivery (DNS can change).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL = 2000
LOOPBACK_NAMES = frozenset({"localhost"})
RESOLVE_SECONDS = 5.0


class TargetError(ValueError):
    """A webhook URL we will not send to, and why."""


def _allowed(address: str, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_loopback: bool) -> tuple[str, int]:
    """(host, port) of a webhook URL whose form is acceptable; TargetError saying what is wrong."""
    if len(url) > MAX_URL:
        raise TargetError(f"must be at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"is not a URL ({exc})") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise TargetError("must be an https:// URL with a host")
    if parts.username or parts.password:
        raise TargetError("must not carry a user name or password")
    if parts.fragment:
        raise TargetError("must not have a #fragment")
    loopback = host in LOOPBACK_NAMES or _is_loopback_literal(host)
    if parts.scheme == "http" and not (allow_loopback and loopback):
        raise TargetError("must use https:// (http:// only to loopback, in development)")
    if _is_literal(host) and not _allowed(host, allow_loopback):
        raise TargetError(f"{host} is not a public address")
    return host, port or (443 if parts.scheme == "https" else 80)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback_literal(host: str) -> bool:
    return _is_literal(host) and ipaddress.ip_address(host).is_loopback


async def check_target(url: str, allow_loopback: bool) -> None:
    """Check a URL's form and every address its host resolves to; TargetError if any is not allowed."""
    host, port = check_url(url, allow_loopback)
    if host in LOOPBACK_NAMES and not allow_loopback:
        raise TargetError(f"{host} is not a public address")
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
        )
    except (OSError, TimeoutError) as exc:
        raise TargetError(f"could not resolve {host} ({exc})") from None
    refused = sorted({str(info[4][0]) for info in infos if not _allowed(str(info[4][0]), allow_loopback)})
    if refused or not infos:
        raise TargetError(f"{host} resolves to addresses that are not public: {', '.join(refused)}")
