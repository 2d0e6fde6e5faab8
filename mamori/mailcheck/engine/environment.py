"""What the checks compare against: brands, trusted domains and contacts, prepared once."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .catalog import Brand, _norm_names, brand_name_pattern, brands, shorteners
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
    # Every brand name (NFKC, lower case) once, for a quick "is any name here at all" test.
    brand_names: re.Pattern[str]
    long_tokens: re.Pattern[str] | None  # tokens of 6+ letters, found inside longer words
    patterns_by_name: Mapping[str, tuple[int, ...]]  # name → positions in brand_patterns
    domains_of_brand: Mapping[str, frozenset[str]]  # brand id → its registrable domains
    token_brands: Mapping[str, Brand]
    shorteners: frozenset[str]
    contacts: Mapping[str, frozenset[str]]  # normalised name → addresses
    # Brands with a name that is also an English word: (brand, that name, what shows the service).
    word_brands: tuple[tuple[Brand, re.Pattern[str], re.Pattern[str]], ...] = ()

    def is_known(self, domain: str) -> bool:
        return domain in self.trusted or domain in self.brand_of_domain

    def brands_named_in(self, text: str, cues: Cues | None = None) -> list[Brand]:
        """The brands `text` names. A name that is also an English word ("LINE") counts only in
        a Japanese context, in the brand's own capitals within ordinary text ("Your LINE
        account"), or when `cues` (the mail's links and text, read only then) speak of the
        service: "increase your credit line" is not the LINE app."""
        nfkc = unicodedata.normalize("NFKC", text)
        norm = nfkc.lower()
        positions = sorted(
            {i for m in self.brand_names.finditer(norm) for i in self.patterns_by_name[m.group(0)]}
        )
        found = [
            self.brand_patterns[i][0] for i in positions if self.brand_patterns[i][1].search(norm)
        ]
        for brand, name, service in self.word_brands:
            if brand not in found and _word_is_brand(brand, name, service, nfkc, cues):
                found.append(brand)
        return found

    def brand_token_in(self, host: str, cues: Cues | None = None) -> Brand | None:
        """A brand whose token appears in a host that the brand does not own. A token that is
        also an everyday word ("apple" in an apple farm's domain, "visa" in a visa office's)
        counts only when the mail otherwise speaks of the brand (`cues`, as for its name)."""
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
                if brand is not None and self._token_counts(brand, word, cues):
                    return brand
            # Longer tokens also count inside a word ("amazonsecure-login.com").
            if self.long_tokens is not None:
                match = self.long_tokens.search(candidate)
                if match is not None:
                    return self.token_brands[match.group(0)]
        return None

    def _token_counts(self, brand: Brand, token: str, cues: Cues | None) -> bool:
        if not _is_word_token(brand, token):
            return True
        if cues is None:
            return False
        return any(
            _word_is_brand(b, name, service, cues.words(), cues)
            for b, name, service in self.word_brands
            if b is brand
        )


_LINKS_AND_ADDRESSES = re.compile(r"\S+://\S*|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _is_word_token(brand: Brand, token: str) -> bool:
    return any(token == name.lower() for name in brand.word_names)


def _word_is_brand(
    brand: Brand, name: re.Pattern[str], service: re.Pattern[str], text: str, cues: Cues | None
) -> bool:
    matches = list(name.finditer(text))
    if not matches:
        return False
    if JAPANESE.search(text):
        return True  # Japanese writes the English word in katakana (ライン), never as LINE
    for match in matches:
        word = match.group(0)
        if word in brand.word_names and word != word.lower():
            rest = text[: match.start()] + text[match.end() :]
            if not any(ch.isalpha() for ch in rest):
                return True  # the name alone, as the brand writes it ("LINE" as a display name)
            # "Your LINE account": capitals ordinary text would not use. A capital first letter
            # says nothing ("Apple season"), nor do capitals in all-capital text ("CREDIT LINE").
            if word != word.capitalize() and any(ch.islower() for ch in rest):
                return True
    return cues is not None and service.search(cues.text()) is not None


class Cues:
    """The mail's words and link targets (NFKC, lower case) that may show which service a
    brand-like word means; read once, and only when such a word needs them."""

    def __init__(self, subject: str, parts: Callable[[], Sequence[str]], cap: int = 20_000):
        self._subject = subject
        self._parts = parts
        self._cap = cap
        self._original: str | None = None
        self._text: str | None = None
        self._words: str | None = None

    def original(self) -> str:
        """The words as written (NFKC): capitals matter for a name that is also a word."""
        if self._original is None:
            joined = "\n".join([self._subject, *self._parts()])[: self._cap]
            self._original = unicodedata.normalize("NFKC", joined)
        return self._original

    def text(self) -> str:
        if self._text is None:
            self._text = self.original().lower()
        return self._text

    def words(self) -> str:
        """original() without links and addresses: the word in a host ("aomori-apple.jp") is
        the host's, not the mail's."""
        if self._words is None:
            self._words = _LINKS_AND_ADDRESSES.sub(" ", self.original())
        return self._words


def _word_patterns(brand: Brand) -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = "|".join(re.escape(unicodedata.normalize("NFKC", n)) for n in brand.word_names)
    name = re.compile(rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])", re.IGNORECASE)
    domains = "|".join(re.escape(d) for d in brand.domains)
    cues = "|".join(re.escape(unicodedata.normalize("NFKC", c).lower()) for c in brand.cues)
    lower = words.lower()
    service = [
        rf"(?<![a-z0-9])(?:{lower})(?![a-z0-9])\s?{JAPANESE.pattern}",
        rf"{JAPANESE.pattern}\s?(?:{lower})(?![a-z0-9])",
    ]
    if domains:
        service.append(rf"(?<![a-z0-9-])(?:{domains})(?![a-z0-9-])")
    if cues:
        service.append(rf"(?<![a-z0-9])(?:{cues})(?![a-z0-9])")
    return name, re.compile("|".join(service))


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
    # Word names ("LINE") are matched apart, with their context (brands_named_in).
    plain = {b.id: tuple(n for n in b.names if n not in b.word_names) for b in all_brands}
    patterns = tuple((b, brand_name_pattern(plain[b.id])) for b in all_brands if plain[b.id])
    by_name: dict[str, list[int]] = {}
    for position, (brand, _pattern) in enumerate(patterns):
        for name in _norm_names(plain[brand.id]):
            by_name.setdefault(name, []).append(position)
    names = sorted(by_name, key=len, reverse=True)
    long_tokens = sorted((t for t in token_brands if len(t) >= 6), key=len, reverse=True)
    return Environment(
        index=LookalikeIndex(refs),
        trusted=trusted_domains,
        brand_of_domain=brand_of_domain,
        brand_patterns=patterns,
        patterns_by_name={name: tuple(p) for name, p in by_name.items()},
        domains_of_brand=_domains_of_brand(brand_of_domain),
        brand_names=re.compile("|".join(map(re.escape, names)) or "(?!)"),
        long_tokens=re.compile("|".join(map(re.escape, long_tokens))) if long_tokens else None,
        token_brands=token_brands,
        shorteners=shorteners(),
        contacts=contact_map,
        word_brands=tuple((b, *_word_patterns(b)) for b in all_brands if b.word_names),
    )


def _domains_of_brand(brand_of_domain: Mapping[str, Brand]) -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for domain, brand in brand_of_domain.items():
        grouped.setdefault(brand.id, set()).add(domain)
    return {brand_id: frozenset(domains) for brand_id, domains in grouped.items()}


def environment(context: Context) -> Environment:
    return _build(
        tuple(sorted(d.lower().strip() for d in context.trusted_domains)),
        tuple(sorted((k, tuple(v)) for k, v in context.extra_brands.items())),
        tuple(sorted((k, tuple(v)) for k, v in context.known_contacts.items())),
    )
