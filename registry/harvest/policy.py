"""Where a harvest source may send its requests and which token it may send.

An admin names a source's token variable and base URL; without limits that is a way to mail
any of the server's secrets (REGISTRY_SECRET_KEY as a "token") to any host, or to make the
server fetch from its own network. So:

- a token variable is named for the source's platform (TWITTER_*, X_*, MASTODON_*, BLUESKY_*,
  BSKY_*), upper case, never REGISTRY_*; RSS sends no token;
- X/Twitter's API has fixed hosts: its base URL can only be one of them;
- any other base URL (a Mastodon instance, a Bluesky PDS, an RSS feed) is https, carries no
  user name or password, and every address its host resolves to is public (no loopback,
  private, link-local or reserved address).

HARVEST_ALLOW_PRIVATE_HOSTS (off by default) lifts the last two for test doubles and local
mirrors: plain http and private or loopback addresses, for every platform (a fixed-host
platform then also takes a private address, never another public host). The check runs
when a source is added or changed (CLI and admin page) and again before every run, since a
name can resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

TOKEN_PREFIXES: dict[str, tuple[str, ...]] = {
    "twitter": ("TWITTER_", "X_"),
    "mastodon": ("MASTODON_",),
    "bluesky": ("BLUESKY_", "BSKY_"),
    "rss": (),
}
FIXED_HOSTS: dict[str, frozenset[str]] = {"twitter": frozenset({"api.twitter.com", "api.x.com"})}
_TOKEN_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,79}$")


class SourcePolicyError(ValueError):
    """A source setting the policy refuses; `param` names it (token_env, base_url, query)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def check_token_env(platform: str, name: str) -> None:
    if not name:
        return
    prefixes = TOKEN_PREFIXES.get(platform, ())
    if not prefixes:
        raise SourcePolicyError(f"a {platform} source sends no token: leave it empty", "token_env")
    if not _TOKEN_NAME.match(name) or not name.startswith(prefixes):
        raise SourcePolicyError(
            f"the token variable of a {platform} source is an upper-case name starting with "
            f"{' or '.join(prefixes)} (e.g. {prefixes[0]}TOKEN)",
            "token_env",
        )


def feed_url(platform: str, query: str, base_url: str) -> str:
    """The URL a source fetches from when the admin named one (RSS: the query may be it)."""
    if base_url:
        return base_url
    if platform == "rss" and re.match(r"^https?://", query.strip(), re.IGNORECASE):
        return query.strip()
    return ""


def check_url(
    platform: str, url: str, *, allow_private: bool, param: str = "base_url", resolve: bool = True
) -> None:
    """Refuse a URL the policy does not allow (see the module's doc). With resolve, every
    address the host resolves to is checked."""
    if not url:
        return
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise SourcePolicyError("the address must start with https://", param)
    if parts.username is not None or parts.password is not None:
        raise SourcePolicyError("the address must not hold a user name or password", param)
    try:
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SourcePolicyError(f"not a usable address: {url!r}", param) from None
    if not host:
        raise SourcePolicyError(f"no host in {url!r}", param)
    fixed = FIXED_HOSTS.get(platform)
    if fixed is not None and host in fixed:
        return
    if fixed is not None and not allow_private:
        raise SourcePolicyError(_fixed_message(platform, fixed), param)
    if not resolve:
        return
    # a name that does not resolve now is let through: it cannot be fetched either, and the
    # check runs again before every fetch (a fixed-host platform's stand-in must be private)
    addresses = _addresses(host, parts.port or (443 if scheme == "https" else 80))
    private = [a for a in addresses if not a.is_global]
    if fixed is not None and (not addresses or len(private) < len(addresses)):
        raise SourcePolicyError(_fixed_message(platform, fixed), param)
    if private and not allow_private:
        raise SourcePolicyError(
            f"{host} is a private, loopback or reserved address ({private[0]}): a source "
            "fetches from public hosts only (HARVEST_ALLOW_PRIVATE_HOSTS allows others)",
            param,
        )


def _fixed_message(platform: str, hosts: frozenset[str]) -> str:
    listed = " or ".join(f"https://{h}" for h in sorted(hosts))
    return f"a {platform} source talks to {listed} only: leave the base URL empty"


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address host resolves to ([] when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    found = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        found.append(address)
    return found


def check_source(
    platform: str,
    query: str,
    base_url: str,
    token_env: str,
    *,
    allow_private: bool,
    resolve: bool = True,
) -> None:
    """Every check of this module for one source's settings."""
    check_token_env(platform, token_env)
    url = feed_url(platform, query, base_url)
    param = "base_url" if base_url else "query"
    check_url(platform, url, allow_private=allow_private, param=param, resolve=resolve)
