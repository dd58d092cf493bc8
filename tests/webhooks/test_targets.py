"""Webhook targets: https to public addresses; http and loopback only in development; private ranges never."""

from __future__ import annotations

import pytest

from webhooks.targets import TargetError, check_target, check_url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://203.0.113.9/hook", "must use https://"),
        ("ftp://203.0.113.9/hook", "must be an https:// URL"),
        ("https:///hook", "must be an https:// URL with a host"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("https://10.0.0.7/hook", "10.0.0.7 is not a public address"),
        ("https://192.168.1.1/hook", "is not a public address"),
        ("https://172.16.0.1/hook", "is not a public address"),
        ("https://169.254.169.254/latest/meta-data", "is not a public address"),
        ("https://100.64.0.1/hook", "is not a public address"),
        ("https://[::ffff:10.0.0.1]/hook", "is not a public address"),
        ("https://[fd00::1]/hook", "is not a public address"),
        ("https://127.0.0.1/hook", "is not a public address"),
        ("https://224.0.0.1/hook", "is not a public address"),
        ("https://hooks.example.com:99999/", "is not a URL"),
        ("https://hooks.example.com/" + "x" * 2000, "at most 2000 characters"),
    ],
)
def test_refused_urls_say_why(url: str, problem: str) -> None:
    with pytest.raises(TargetError, match=problem.replace("(", r"\(")):
        check_url(url, allow_loopback=False)


def test_public_https_is_accepted() -> None:
    assert check_url("https://8.8.8.8:8443/hook?x=1", allow_loopback=False) == ("8.8.8.8", 8443)
    with pytest.raises(TargetError, match="not a public address"):
        check_url("https://203.0.113.9/hook", allow_loopback=False)  # documentation range
    assert check_url("https://hooks.example.com/", allow_loopback=False) == ("hooks.example.com", 443)


def test_loopback_only_with_the_development_setting() -> None:
    assert check_url("http://127.0.0.1:9000/hook", allow_loopback=True) == ("127.0.0.1", 9000)
    assert check_url("http://localhost/hook", allow_loopback=True) == ("localhost", 80)
    with pytest.raises(TargetError):
        check_url("http://localhost/hook", allow_loopback=False)
    with pytest.raises(TargetError, match="must use https"):
        check_url("http://10.0.0.1/hook", allow_loopback=True)  # private stays refused


async def test_names_are_resolved_and_every_address_checked() -> None:
    await check_target("http://localhost:9/hook", allow_loopback=True)
    with pytest.raises(TargetError, match="not a public address"):
        await check_target("https://localhost/hook", allow_loopback=False)
    with pytest.raises(TargetError, match="could not resolve"):
        await check_target("https://no-such-host.invalid/hook", allow_loopback=False)
