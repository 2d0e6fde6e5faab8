"""What the checks compare against: brands, trusted domains and contacts, prepared once."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .catalog import Brand, brand_name_pattern, brands, shorteners
from .domains import (
    LookalikeIndex,
    Reference,
    normalise_host,
    registrable,
    skeleton,
    split_core,
)
from .model import Context


@dataclass(frozen=True)
class Environment:
    index: LookalikeIndex
    trusted: frozenset[str]  # registrable domains
    brand_of_domain: Mapping[str, Brand]
    brand_patterns: tuple[tuple[Brand, re.Pattern[str]], ...]
    token_brands: Mapping[str, Brand]
    shorteners: frozenset[str]
    contacts: Mapping[str, frozenset[str]]  # normalised name → addresses

    def is_known(self, domain: str) -> bool:
        return domain in self.trusted or domain in self.brand_of_domain

    def brands_named_in(self, text: str) -> list[Brand]:
        norm = unicodedata.normalize("NFKC", text).lower()
        return [brand for brand, pattern in self.brand_patterns if pattern.search(norm)]

    def brand_token_in(self, host: str) -> Brand | None:
        """A brand whose token appears in a host that the brand does not own."""
        host = normalise_host(host)
        domain = registrable(host)
        if domain in self.brand_of_domain or domain in self.trusted:
            return None
        # Only the labels in front of the public suffix count: grimoirelab.github.io is a
        # GitHub Pages site of its own, not a claim to be GitHub.
        suffix = split_core(domain)[1]
        if suffix and host.endswith("." + suffix):
            host = host[: -len(suffix) - 1]
        # Also read the host with look-alike characters folded ("amaz0n-security" → amazon).
        folded = skeleton(host).replace("0", "o").replace("1", "l").replace("rn", "m")
        for candidate in (host, folded):
            for word in re.split(r"[.\-_]", candidate):
                brand = self.token_brands.get(word)
                if brand is not None:
                    return brand
            # Longer tokens also count inside a word ("amazonsecure-login.com").
            for token, brand in self.token_brands.items():
                if len(token) >= 6 and token in candidate:
                    return brand
        return None


def _brand_list(extra: Mapping[str, Sequence[str]]) -> tuple[Brand, ...]:
    added = tuple(
        Brand(
            id=f"extra:{name}",
            kind="extra",
            names=(name,),
            tokens=(),
            domains=tuple(d.lower() for d in domains),
        )
        for name, domains in extra.items()
    )
    return brands() + added


@functools.lru_cache(maxsize=64)
def _build(
    trusted: tuple[str, ...],
    extra: tuple[tuple[str, tuple[str, ...]], ...],
    contacts: tuple[tuple[str, tuple[str, ...]], ...],
) -> Environment:
    all_brands = _brand_list(dict(extra))
    refs: list[Reference] = []
    trusted_domains = frozenset(registrable(d) for d in trusted if d.strip())
    for domain in sorted(trusted_domains):
        refs.append(Reference(domain, "trusted", domain))
    contact_map: dict[str, frozenset[str]] = {}
    for name, addresses in contacts:
        key = "".join(unicodedata.normalize("NFKC", name).lower().split())
        if len(key) >= 2:
            contact_map[key] = frozenset(a.lower().strip() for a in addresses)
        for address in addresses:
            domain = registrable(address.rpartition("@")[2])
            if domain:
                refs.append(Reference(domain, "contact", domain))
    brand_of_domain: dict[str, Brand] = {}
    for brand in all_brands:
        for domain in brand.domains:
            reg = registrable(domain)
            brand_of_domain.setdefault(reg, brand)
            refs.append(Reference(reg, brand.id, reg))
    token_brands = {t: b for b in all_brands for t in b.tokens}
    patterns = tuple((b, brand_name_pattern(b.names)) for b in all_brands if b.names)
    return Environment(
        index=LookalikeIndex(refs),
        trusted=trusted_domains,
        brand_of_domain=brand_of_domain,
        brand_patterns=patterns,
        token_brands=token_brands,
        shorteners=shorteners(),
        contacts=contact_map,
    )


def environment(context: Context) -> Environment:
    return _build(
        tuple(sorted(d.lower().strip() for d in context.trusted_domains)),
        tuple(sorted((k, tuple(v)) for k, v in context.extra_brands.items())),
        tuple(sorted((k, tuple(v)) for k, v in context.known_contacts.items())),
    )
