"""Was a forward to the check address really sent by the member it names? (no Django imports)

The From header of a forward is whatever its sender typed. A report is attributed to a member
only when a mail server we trust vouches for it:

* the ``Authentication-Results`` header (RFC 8601) written by a receiving server whose
  authserv-id is configured as trusted records an aligned pass for the member's domain:
  ``dmarc=pass`` with ``header.from`` equal to the domain, or ``dkim=pass`` with a signing domain
  (``header.d``, or the domain of ``header.i``) equal to it or a parent of it that is not a
  public suffix;
* or the forward arrived over SMTP from the organisation's own mail server (a configured
  address range), which only relays mail its users logged in to send.

Only the topmost ``Authentication-Results`` header of a trusted authserv-id counts: the trusted
server adds its header above everything the sender wrote (and removes forged ones with its id,
RFC 8601 section 5), so a header a sender forged further down is never read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

MAX_HEADER_CHARS = 8192


@dataclass(frozen=True)
class ResultInfo:
    method: str
    result: str
    properties: dict[str, str]


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str
    results: tuple[ResultInfo, ...]


def _strip_comments(text: str) -> str:
    """The header without (comments), keeping "quoted strings" intact."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            if depth == 0:
                out.append(char)
            escaped = False
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            if char == '"':
                quoted = False
            continue
        if char == "(":
            depth += 1
            continue
        if char == ")" and depth:
            depth -= 1
            continue
        if depth:
            continue
        if char == '"':
            quoted = True
        out.append(char)
    return "".join(out)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def parse_authentication_results(value: str) -> AuthResults | None:
    """One Authentication-Results header value, or None when it cannot be read."""
    text = " ".join(_strip_comments(str(value)[:MAX_HEADER_CHARS]).split())
    pieces = [piece.strip() for piece in _split_outside_quotes(text, ";")]
    if not pieces or not pieces[0]:
        return None
    head = pieces[0].split()
    authserv_id = _unquote(head[0]).lower().rstrip(".")
    results: list[ResultInfo] = []
    for piece in pieces[1:]:
        tokens = [token for token in _split_outside_quotes(piece, " ") if token]
        if not tokens or "=" not in tokens[0]:
            continue  # "none" or garbage
        method, _, result = tokens[0].partition("=")
        properties: dict[str, str] = {}
        for token in tokens[1:]:
            key, sep, raw = token.partition("=")
            if sep:
                properties[key.strip().lower()] = _unquote(raw)
        results.append(
            ResultInfo(
                method=method.split("/", 1)[0].strip().lower(),
                result=_unquote(result).lower(),
                properties=properties,
            )
        )
    return AuthResults(authserv_id=authserv_id, results=tuple(results))


def trusted_results(message: Message, trusted_ids: Iterable[str]) -> AuthResults | None:
    """The topmost Authentication-Results header written by a trusted authserv-id."""
    trusted = {item.strip().lower().rstrip(".") for item in trusted_ids if item.strip()}
    if not trusted:
        return None
    for value in message.get_all("Authentication-Results") or []:
        parsed = parse_authentication_results(str(value))
        if parsed is not None and parsed.authserv_id in trusted:
            return parsed
    return None


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def _is_public_suffix(domain: str) -> bool:
    return bool(_public_suffixes().is_public(domain))


def _aligned(signing_domain: str, domain: str) -> bool:
    signing_domain = signing_domain.strip().lower().rstrip(".")
    if not signing_domain:
        return False
    if signing_domain == domain:
        return True
    return domain.endswith("." + signing_domain) and not _is_public_suffix(signing_domain)


def aligned_pass(results: AuthResults | None, domain: str) -> str:
    """ "dmarc" or "dkim" when the results record an aligned pass for `domain`, else ""."""
    if results is None:
        return ""
    domain = domain.strip().lower().rstrip(".")
    if not domain:
        return ""
    for info in results.results:
        if info.method == "dmarc" and info.result == "pass":
            if info.properties.get("header.from", "").lower().rstrip(".") == domain:
                return "dmarc"
    for info in results.results:
        if info.method == "dkim" and info.result == "pass":
            signer = info.properties.get("header.d", "")
            if not signer:
                signer = info.properties.get("header.i", "").rpartition("@")[2]
            if _aligned(signer, domain):
                return "dkim"
    return ""


def parse_relays(
    values: Iterable[str],
) -> list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """``[slug=]cidr`` entries as (slug or "", network); bad entries are skipped."""
    relays: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        slug, sep, cidr = text.partition("=")
        if not sep:
            slug, cidr = "", text
        try:
            relays.append((slug.strip().lower(), ipaddress.ip_network(cidr.strip(), strict=False)))
        except ValueError:
            continue
    return relays


def from_relay(peer: str | None, org_slug: str, relays: Sequence[str]) -> bool:
    """True when the SMTP client address is one of the organisation's own mail servers."""
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for slug, network in parse_relays(relays):
        if slug and slug != org_slug.lower():
            continue
        if address.version == network.version and address in network:
            return True
    return False
