"""Which addresses a server-side fetch may reach: public ones, plus an explicit allow-list."""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# The well-known NAT64 prefix (RFC 6052): its last 32 bits are the IPv4 address reached.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class AllowList:
    """Host names and networks a fetch may reach even when they are not public."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "AllowList":
        """Split entries into networks (an address is a /32 or /128) and host names."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        """Whether the host name, or the address it resolved to, is on the list."""
        if host.lower().rstrip(".") in self.hosts:
            return True
        return any(address in network for network in self.networks)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo): what is reached."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo else None


def is_public(address: IPAddress) -> bool:
    """Whether an address is globally routable unicast (judged by the IPv4 one it embeds)."""
    inner = embedded_ipv4(address)
    if inner is not None:
        # The IPv4 address is where packets go; the IPv6 wrapper's own ranges say nothing.
        return is_public(inner)
    # is_global alone misses some of these on older Pythons (and multicast can be "global").
    special = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not special


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the zone is not the address.
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def first_blocked(host: str, addresses: Iterable[IPAddress], allow: AllowList) -> IPAddress | None:
    """The first address that is neither public nor allowed, or None when all may be reached."""
    for address in addresses:
        if not is_public(address) and not allow.allows(host, address):
            return address
    return None
