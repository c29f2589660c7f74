"""The client's address (issue 13, finding 7): REMOTE_ADDR unless it is a configured trusted
proxy; then the right-most address of X-Forwarded-For that is not a trusted proxy. Without a
proxy configured the header is ignored, so nobody picks their own throttle bucket."""

import pytest
from django.test import RequestFactory

from common.clientip import client_ip


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"
    assert client_ip(_request("")) == "unknown"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        # one citizen behind the proxy, then another: each their own address
        ("198.51.100.1", "198.51.100.1"),
        ("198.51.100.2", "198.51.100.2"),
        # a client that writes its own header: what it wrote is left of what the proxy saw
        ("6.6.6.6, 198.51.100.3", "198.51.100.3"),
        # two trusted hops (the proxy network): skipped from the right
        ("198.51.100.4, 10.0.0.7", "198.51.100.4"),
        # ports and IPv6 in brackets
        ("198.51.100.5:4431", "198.51.100.5"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        # nothing usable: the proxy itself (one bucket, never a forged one)
        ("", "10.0.0.1"),
        ("not-an-address", "10.0.0.1"),
        ("198.51.100.9, garbage", "10.0.0.1"),
    ],
)
def test_behind_a_trusted_proxy_the_right_most_untrusted_address(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request("10.0.0.1", forwarded)) == expected


def test_a_request_not_from_the_proxy_is_not_believed(settings):
    # given a trusted proxy, a request reaching the site directly from elsewhere
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_axes_gets_none_for_a_connection_without_an_address(settings):
    from common.clientip import client_ip_or_none

    settings.TRUSTED_PROXIES = []
    assert client_ip_or_none(_request("")) is None
    assert client_ip_or_none(_request("203.0.113.5")) == "203.0.113.5"
