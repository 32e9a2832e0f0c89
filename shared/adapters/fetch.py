"""Fetching URLs that clients name, without letting them reach private networks (SSRF).

Each hop resolves the host once, refuses it if any address is private (unless allowed), and
then connects to a checked address itself: the request goes to `http(s)://<ip>:<port>/...`
with the real `Host` header and, for TLS, the real name as SNI and for certificate checks
(httpx's `sni_hostname` extension). A second DNS answer can therefore never send the
connection elsewhere (DNS rebinding). Redirects are followed here, one checked hop at a time.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx

from shared.adapters.netguard import AllowList, IPAddress, first_blocked, resolve

REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Sent to the first host only: a redirect to another host must not carry them along.
PRIVATE_HEADERS = frozenset({"authorization", "cookie"})


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do: its size and time limits, and the private hosts it may reach."""

    max_bytes: int = 5_000_000
    timeout_s: float = 10.0  # connect+read per request, and a total deadline
    max_redirects: int = 5
    allow: tuple[str, ...] = ()  # hosts or CIDRs allowed even if private/loopback
    user_agent: str = "ontheme/0.1 (+https://github.com/ontheme)"


@dataclass(frozen=True)
class Fetched:
    """A response: the final URL after redirects, its status, headers and body."""

    url: str
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class FetchError(Exception):
    """A fetch refused or failed; `reason` is short and safe to show to clients."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def fetch(
    url: str, policy: FetchPolicy, *, headers: Mapping[str, str] | None = None
) -> Fetched:
    """GET a public http(s) URL, following checked redirects; non-2xx answers are returned."""
    sent = {"user-agent": policy.user_agent, **{k.lower(): v for k, v in (headers or {}).items()}}
    try:
        async with (
            asyncio.timeout(policy.timeout_s),
            httpx.AsyncClient(
                # No proxies from the environment: a proxy would connect where we did not check.
                trust_env=False,
                follow_redirects=False,
                timeout=httpx.Timeout(policy.timeout_s),
            ) as client,
        ):
            return await _follow(client, url, policy, sent)
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise FetchError(f"timed out after {policy.timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"request failed: {_why(exc)}") from exc


async def _follow(
    client: httpx.AsyncClient, url: str, policy: FetchPolicy, headers: dict[str, str]
) -> Fetched:
    allow = AllowList.parse(policy.allow)
    first_host: str | None = None
    for _hop in range(policy.max_redirects + 1):
        parts, addresses = await _checked_target(url, allow)
        first_host = first_host or parts.hostname
        if parts.hostname != first_host:
            headers = {k: v for k, v in headers.items() if k not in PRIVATE_HEADERS}
        fetched = await _get(client, parts, addresses, headers, policy.max_bytes)
        location = fetched.headers.get("location")
        if fetched.status not in REDIRECTS or not location:
            return fetched
        url = urljoin(url, location.strip())
    raise FetchError(f"more than {policy.max_redirects} redirects")


async def _checked_target(url: str, allow: AllowList) -> tuple[SplitResult, list[IPAddress]]:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except (ValueError, UnicodeError) as exc:
        raise FetchError("not a valid URL") from exc
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or '?'}:")
    if not host:
        raise FetchError("not a valid URL: no host")
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"could not resolve host {host}") from exc
    if not addresses:
        raise FetchError(f"could not resolve host {host}")
    blocked = first_blocked(host, addresses, allow)
    if blocked is not None:
        raise FetchError(f"host {host} resolves to a non-public address ({blocked})")
    scheme = parts.scheme.lower()
    netloc = _netloc(host, port, DEFAULT_PORTS[scheme] == port)
    return parts._replace(scheme=scheme, netloc=netloc, fragment=""), addresses


def _netloc(host: str, port: int, default_port: bool) -> str:
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return host if default_port else f"{host}:{port}"


async def _get(
    client: httpx.AsyncClient,
    parts: SplitResult,
    addresses: list[IPAddress],
    headers: dict[str, str],
    max_bytes: int,
) -> Fetched:
    """GET from the first checked address that accepts a connection."""
    error: Exception | None = None
    for address in addresses:
        request = _pinned_request(client, parts, address, headers)
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            error = exc  # try the host's next address, as a browser would
            continue
        try:
            return await _read(response, urlunsplit(parts), max_bytes)
        finally:
            await response.aclose()
    raise FetchError(f"could not connect to {parts.hostname}: {_why(error)}")


def _pinned_request(
    client: httpx.AsyncClient, parts: SplitResult, address: IPAddress, headers: dict[str, str]
) -> httpx.Request:
    host = str(address) if address.version == 4 else f"[{address}]"
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    target = urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))
    # Cookies one hop set must not ride along to the next host.
    client.cookies.clear()
    request = client.build_request("GET", target, headers={**headers, "host": parts.netloc})
    request.extensions["sni_hostname"] = parts.hostname or ""
    return request


async def _read(response: httpx.Response, url: str, max_bytes: int) -> Fetched:
    too_large = FetchError(f"response larger than {max_bytes} bytes")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    # Decoded bytes are counted, so a small compressed bomb is stopped too.
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Fetched(url=url, status=response.status_code, headers=headers, body=bytes(body))


def _why(exc: Exception | None) -> str:
    return (str(exc).strip() or type(exc).__name__) if exc else "no address"
