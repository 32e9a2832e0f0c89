"""Which addresses a fetch may reach: public ones only, unless allow-listed."""

import ipaddress

import pytest

from shared.adapters.fetch import FetchError, FetchPolicy, fetch
from shared.adapters.netguard import AllowList, first_blocked, is_public

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "2a00:1450:4001::200e"]
NOT_PUBLIC = [
    "127.0.0.1",  # loopback
    "127.255.0.9",
    "10.1.2.3",  # private
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # link-local: cloud metadata
    "0.0.0.0",  # unspecified  # noqa: S104
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",  # unique local
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",  # IPv4-mapped forms of the above
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::",  # 6to4 of 192.168.1.1
]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_may_be_reached(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_loopback_link_local_and_special_addresses_may_not(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"])
def test_an_ipv6_wrapper_is_judged_by_the_ipv4_address_it_carries(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_the_allow_list_takes_networks_addresses_and_host_names() -> None:
    allow = AllowList.parse(["10.0.0.0/8", " 127.0.0.1 ", "Intranet.Example.", "", "::1"])
    ten, loopback = ipaddress.ip_address("10.9.8.7"), ipaddress.ip_address("127.0.0.1")
    assert allow.allows("anything", ten)
    assert allow.allows("anything", loopback)
    assert allow.allows("anything", ipaddress.ip_address("::1"))
    assert allow.allows("intranet.example", ipaddress.ip_address("192.168.5.5"))
    assert not allow.allows("other.example", ipaddress.ip_address("192.168.5.5"))
    assert not allow.allows("anything", ipaddress.ip_address("127.0.0.2"))


def test_one_blocked_address_among_several_blocks_the_host() -> None:
    addresses = [ipaddress.ip_address(a) for a in ("8.8.8.8", "10.0.0.1")]
    assert first_blocked("mixed.example", addresses, AllowList.parse([])) == addresses[1]
    assert first_blocked("mixed.example", addresses, AllowList.parse(["10.0.0.0/8"])) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:9/",
        "http://10.0.0.1/admin",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.1/",  # and in hex shorthand
    ],
)
async def test_fetch_refuses_non_public_hosts_before_connecting(url: str) -> None:
    with pytest.raises(FetchError, match="non-public address"):
        await fetch(url, FetchPolicy(timeout_s=2))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"]
)
async def test_fetch_refuses_schemes_other_than_http(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        await fetch(url, FetchPolicy())


@pytest.mark.parametrize("url", ["http:///path", "http://[::1/", "not a url"])
async def test_fetch_refuses_urls_without_a_valid_host(url: str) -> None:
    with pytest.raises(FetchError, match=r"not a valid URL|only http"):
        await fetch(url, FetchPolicy())
