"""Matching inventory software against advisories.

`MatchIndex.build(advisories)` compiles every vulnerable CPE criterion once (CPE parsed, version
bounds turned into comparison keys) and files it under (vendor, product); matching one product
is then a dictionary look-up plus tuple comparisons over that product's criteria. The reverse
direction, one new advisory against the whole inventory, uses `Inventory`, filed the same way.

Advisories without any CPE criterion fall back to normalised vendor/product names, reported with
low confidence.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from mamori.intel.matching.cpe import ANY, NA, Cpe, CpeError, normalise_name, suggest_cpe
from mamori.intel.matching.reasons import describe_range, reason, reason_pair, with_platforms
from mamori.intel.matching.schemes import scheme_for, scheme_key
from mamori.intel.matching.versions import VersionKey, version_key, wildcard_prefix
from mamori.intel.model import Advisory, MatchCriterion, ProductName

HIGH, MEDIUM, LOW = "high", "medium", "low"
_RANK = {HIGH: 3, MEDIUM: 2, LOW: 1}
# CPE attributes besides vendor/product/version that must agree when both sides give one.
_OTHER_ATTRS = (
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)
_ALL, _EXACT, _RANGE, _PREFIX, _NO_VERSION = 0, 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """One software item of the inventory: a CPE 2.3 name (its version field is the version).

    `platforms` are CPE names of the operating systems it runs on, when the inventory knows
    them (the OS of the devices it is installed on); `None` means not known.
    """

    item_id: str
    cpe23: str
    platforms: tuple[str, ...] | None = None

    @classmethod
    def from_names(
        cls, item_id: str, vendor: str, product: str, version: str = "", part: str | None = None
    ) -> InventoryItem:
        return cls(item_id=item_id, cpe23=suggest_cpe(vendor, product, version, part=part))


@dataclass(slots=True)
class Match:
    """An advisory that affects an inventory item, with the reason and how sure we are."""

    advisory_id: str
    criterion: MatchCriterion | None  # None for a name-only (fallback) match
    reason: dict[str, str]  # {"ja": …, "en": …}
    confidence: str  # "high" | "medium" | "low"
    item_id: str = ""
    product: ProductName | None = None  # the advisory's product name, for fallback matches
    kind: str = ""  # reason code: version_in_range, version_exact, all_versions, …


@dataclass(slots=True)
class _Compiled:
    advisory_index: int
    criterion: MatchCriterion
    part: str
    others: tuple[tuple[str, str], ...]  # attributes besides part/vendor/product/version
    kind: int
    exact_key: VersionKey | None = None
    prefix: str = ""
    start_incl: VersionKey | None = None
    start_excl: VersionKey | None = None
    end_incl: VersionKey | None = None
    end_excl: VersionKey | None = None
    range_words: dict[str, str] = field(default_factory=dict)
    scheme: str = ""  # the product's ecosystem ordering, when known ("" = generic)
    update: str = ANY  # the criterion's update ("r3.3", "beta9"; "-" = none)
    joined_key: VersionKey | None = None  # version and update read as one ("9.0 r3.3")
    # bounds under a scheme, by scheme name (None: a bound is not valid there)
    scheme_bounds: dict[str, tuple | None] = field(default_factory=dict)


@lru_cache(maxsize=500_000)
def _parse_cpe(text: str) -> Cpe | None:
    try:
        return Cpe.parse(text)
    except CpeError:
        return None


@lru_cache(maxsize=500_000)
def _cpe_info(text: str) -> tuple[Cpe, tuple[tuple[str, str], ...]] | None:
    cpe = _parse_cpe(text)
    if cpe is None or cpe.vendor in (ANY, NA) or cpe.product in (ANY, NA):
        return None
    others = tuple((name, getattr(cpe, name)) for name in _OTHER_ATTRS if getattr(cpe, name) != ANY)
    return cpe, others


def _compile(criterion: MatchCriterion, advisory_index: int) -> tuple[Cpe, _Compiled] | None:
    if not criterion.vulnerable:
        return None
    info = _cpe_info(criterion.cpe23)
    if info is None:
        return None
    cpe, others = info
    compiled = _Compiled(advisory_index, criterion, cpe.part, others, _ALL)
    if criterion.has_range:
        compiled.kind = _RANGE
        bounds = (
            criterion.version_start_including,
            criterion.version_start_excluding,
            criterion.version_end_including,
            criterion.version_end_excluding,
        )
        compiled.start_incl, compiled.start_excl, compiled.end_incl, compiled.end_excl = (
            version_key(b) if b else None for b in bounds
        )
        compiled.scheme = scheme_for(
            target_sw=cpe.target_sw if cpe.target_sw not in (ANY, NA) else "",
            vendor=cpe.vendor,
            product=cpe.product,
            version=next((b for b in bounds if b), ""),
        )
    elif cpe.version == NA and cpe.part in ("a", "o"):
        # NA is not ANY: "windows_10:-" is the release without a version designation. NVD
        # also writes "-" for products whose vendor names no versions (NetApp's), so a
        # versioned item still matches, with medium confidence and the "check" reason.
        # (Hardware names carry "-" for the model itself and stay "all versions".)
        compiled.kind = _NO_VERSION
    elif cpe.version not in (ANY, NA):
        prefix = wildcard_prefix(cpe.version)
        if prefix is not None:
            compiled.kind, compiled.prefix = _PREFIX, prefix
        else:
            compiled.kind, compiled.exact_key = _EXACT, version_key(cpe.version)
            compiled.update = cpe.update
            if cpe.update not in (ANY, NA):
                compiled.joined_key = version_key(f"{cpe.version} {cpe.update}")
    return cpe, compiled


def _others_agree(compiled: _Compiled, item: Cpe) -> bool:
    part, have_part = compiled.part, item.part
    if part != have_part and part != ANY and have_part != ANY:
        return False
    for name, wanted in compiled.others:
        have = getattr(item, name)
        if have == ANY or have == wanted:
            continue
        # NA ("-": there is none) is not ANY: "log4j:2.0:-" does not cover "2.0:beta8".
        return False
    return True


# An update written into the version, as users type it: "9.0R3.3", "9.8P7", "2.0-beta9",
# "2.0 rc2", "2019.1 SP1912". NVD keeps these as version "9.0" + update "r3.3". A bare trailing
# letter ("1.0.2k") is OpenSSL's patch level, part of the version, and is not split.
_TYPED_UPDATE_RE = re.compile(
    r"^(\d+(?:\.\d+)*(?:\(\d+\))?)[\s._-]*"
    r"((?:r|p|sp|su|s|u|update|patch|pl|beta|alpha|rc|pre|preview|b|a|m|fp|sr|build)"
    r"[\s._-]?\d[\w.-]*)$"
)


@lru_cache(maxsize=100_000)
def split_typed_update(version: str) -> tuple[str, str] | None:
    """("9.0", "r3.3") for "9.0R3.3"; None when the version carries no update."""
    match = _TYPED_UPDATE_RE.match(version.strip().lower())
    if not match:
        return None
    return match.group(1), re.sub(r"[\s_]", "", match.group(2))


def _scheme_bounds(compiled: _Compiled, scheme: str) -> tuple | None:
    if scheme not in compiled.scheme_bounds:
        criterion = compiled.criterion
        bounds = (
            criterion.version_start_including,
            criterion.version_start_excluding,
            criterion.version_end_including,
            criterion.version_end_excluding,
        )
        keys = tuple(scheme_key(scheme, b) if b else None for b in bounds)
        valid = all(k is not None for k, b in zip(keys, bounds, strict=True) if b)
        compiled.scheme_bounds[scheme] = keys if valid else None
    return compiled.scheme_bounds[scheme]


def _in_range(key: object, bounds: tuple) -> bool:
    start_incl, start_excl, end_incl, end_excl = bounds
    if start_incl is not None and key < start_incl:
        return False
    if start_excl is not None and key <= start_excl:
        return False
    if end_incl is not None and key > end_incl:
        return False
    return not (end_excl is not None and key >= end_excl)


@lru_cache(maxsize=100_000)
def _version_scheme(version: str) -> str:
    """The ordering scheme the item's version itself names ("1:2.3-4" is Debian's), or ""."""
    return scheme_for(version=version)


def _embeds_updates(version: str) -> bool:
    """True for an NVD version that carries its update ("11.5(1)su3", "9.0r3.3")."""
    return version not in (ANY, NA) and split_typed_update(version) is not None


def _version_verdict(
    compiled: _Compiled, version: str, key: VersionKey | None, embeds: bool = False
) -> tuple[str, str] | None:
    """(confidence, reason code) when the item's version is affected, else None."""
    kind = compiled.kind
    if kind == _NO_VERSION:
        if version == NA:
            return HIGH, "version_exact"
        return (MEDIUM, "item_version_unknown") if key is None else (MEDIUM, "all_versions")
    if key is None:  # the inventory does not know the version
        return MEDIUM, "item_version_unknown"
    if kind == _ALL:
        return MEDIUM, "all_versions"
    if kind == _EXACT:
        if key == compiled.exact_key:
            return HIGH, "version_exact"
        update = compiled.update
        if compiled.joined_key is not None and key == compiled.joined_key:
            return HIGH, "version_exact"  # "9.0R3.3" typed together = NVD's 9.0 + r3.3
        # Every update of this version ("9.8P7" is a 9.8) — unless NVD writes this product's
        # updates into the version ("11.5(1)su3"), where "11.5(1)" is the base release only.
        if update == ANY and not embeds:
            split = split_typed_update(version)
            if split is not None and version_key(split[0]) == compiled.exact_key:
                return HIGH, "version_exact"
        return None
    if kind == _PREFIX:
        return (HIGH, "version_prefix") if version.startswith(compiled.prefix) else None
    scheme = compiled.scheme or _version_scheme(version)
    if scheme:  # the ecosystem's own ordering, when both sides are versions of it
        item_key = scheme_key(scheme, version)
        bounds = _scheme_bounds(compiled, scheme) if item_key is not None else None
        if bounds is not None:
            return (HIGH, "version_in_range") if _in_range(item_key, bounds) else None
    generic = (compiled.start_incl, compiled.start_excl, compiled.end_incl, compiled.end_excl)
    return (HIGH, "version_in_range") if _in_range(key, generic) else None


_PLATFORM_ALIASES = {
    ("apple", "mac_os_x"): ("apple", "macos"),
    ("apple", "mac_os"): ("apple", "macos"),
    ("apple", "ios"): ("apple", "iphone_os"),
}


def _platform_pair(cpe23: str) -> tuple[str, str] | None:
    cpe = _parse_cpe(cpe23)
    if cpe is None:
        return None
    pair = (cpe.vendor, cpe.product)
    return _PLATFORM_ALIASES.get(pair, pair)


def _platform_agrees(required: list[str], known: tuple[str, ...]) -> bool:
    """Whether one of the item's platforms is one the criterion requires (vendor:product;
    "windows" covers "windows_10", as NVD names both)."""
    have = [p for p in (_platform_pair(c) for c in known) if p is not None]
    for cpe23 in required:
        wanted = _platform_pair(cpe23)
        if wanted is None:
            continue
        for vendor, product in have:
            if vendor == wanted[0] and (
                product == wanted[1] or product.startswith(wanted[1] + "_")
            ):
                return True
    return False


def _platform_verdict(
    compiled: _Compiled, platforms: tuple[str, ...] | None, verdict: tuple[str, str]
) -> tuple[tuple[str, str], str] | None:
    """(verdict, platform note code) under the criterion's platforms, or None (not affected)."""
    required = compiled.criterion.platforms
    if not required:
        return verdict, ""
    if platforms is None:  # the inventory does not know the OS: say so, be less sure
        confidence = MEDIUM if verdict[0] == HIGH else verdict[0]
        return (confidence, verdict[1]), "platform_unknown_note"
    if _platform_agrees(required, platforms):
        return verdict, "platform_note"
    return None


def _make_match(
    advisory: Advisory,
    compiled: _Compiled,
    item_id: str,
    item: Cpe,
    verdict: tuple[str, str],
    platforms: tuple[str, ...] | None = None,
) -> Match | None:
    checked = _platform_verdict(compiled, platforms, verdict)
    if checked is None:
        return None
    verdict, note = checked
    confidence, code = verdict
    product = f"{item.vendor}:{item.product}"
    version = item.version if item.version not in (ANY, NA) else "?"
    words = compiled.range_words
    if not words:  # described once per criterion, on its first match
        if compiled.kind == _RANGE:
            criterion = compiled.criterion
            words = describe_range(
                criterion.version_start_including,
                criterion.version_start_excluding,
                criterion.version_end_including,
                criterion.version_end_excluding,
            )
        elif compiled.kind == _PREFIX:
            words = {"ja": compiled.prefix + "*", "en": compiled.prefix + "*"}
        else:
            words = {"ja": "", "en": ""}
        compiled.range_words = words
    texts = reason_pair(code, product, version, words)
    if note:
        texts = with_platforms(texts, compiled.criterion.platforms, note=note)
    return Match(
        advisory_id=advisory.advisory_id,
        criterion=compiled.criterion,
        reason=texts,
        confidence=confidence,
        item_id=item_id,
        kind=code,
    )


def _item_cpe(
    item: InventoryItem | Cpe | str,
) -> tuple[str, Cpe | None, tuple[str, ...] | None]:
    if isinstance(item, InventoryItem):
        return item.item_id, _parse_cpe(item.cpe23), item.platforms
    if isinstance(item, Cpe):
        return item.format(), item, None
    return str(item), _parse_cpe(str(item)), None


def _item_key(cpe: Cpe) -> VersionKey | None:
    version = cpe.version
    if version in (ANY, NA) or "*" in version or "?" in version:
        return None  # "2.5.*" in the inventory says the exact version is not known
    return version_key(version)


# --- name fallback -------------------------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in "_-. ")


def _advisory_name_keys(name: ProductName) -> tuple[str, str, str]:
    """(product key without the vendor's words, full product key, vendor key)."""
    vendor = normalise_name(name.vendor, vendor=True)
    product = normalise_name(name.product)
    stripped = product
    if vendor and product.startswith(vendor + "_"):
        stripped = product[len(vendor) + 1 :]
    return _compact(stripped), _compact(product), _compact(vendor)


def _vendor_agrees(advisory_vendor: str, item_vendor: str) -> bool:
    if not advisory_vendor or not item_vendor or not advisory_vendor.isascii():
        return True  # a vendor only known in Japanese cannot be compared with a CPE vendor
    return (
        advisory_vendor == item_vendor
        or advisory_vendor.startswith(item_vendor)
        or item_vendor.startswith(advisory_vendor)
    )


def _names_agree(
    stripped: str, full: str, vendor: str, item_vendor: str, item_product: str
) -> bool:
    if full == item_vendor + item_product:  # "Trend Micro ServerProtect" = trendmicro:serverprotect
        return True
    if item_product in (stripped, full):
        return _vendor_agrees(vendor, item_vendor)
    return False


def _name_match(advisory: Advisory, name: ProductName, item_id: str, item: Cpe) -> Match:
    vendor = name.vendor or "?"
    texts = reason("name_fallback", vendor=vendor, product=name.product or "?")
    return Match(
        advisory_id=advisory.advisory_id,
        criterion=None,
        reason=texts,
        confidence=LOW,
        item_id=item_id,
        product=name,
        kind="name_fallback",
    )


def _keep_best(found: dict[tuple[str, str], Match], match: Match) -> None:
    key = (match.advisory_id, match.item_id)
    current = found.get(key)
    if current is None or _RANK[match.confidence] > _RANK[current.confidence]:
        found[key] = match


class MatchIndex:
    """All advisories' criteria, compiled and filed by (vendor, product)."""

    def __init__(self) -> None:
        self.advisories: list[Advisory | None] = []  # None = replaced by a newer version
        self._position: dict[str, int] = {}
        self._by_product: dict[tuple[str, str], list[_Compiled]] = {}
        self._by_name: dict[str, list[tuple[int, ProductName, str, str, str]]] = {}
        self.criteria_count = 0
        # products whose NVD versions carry their updates ("11.5(1)su3")
        self._embedded: set[tuple[str, str]] = set()

    @classmethod
    def build(cls, advisories: Iterable[Advisory]) -> MatchIndex:
        index = cls()
        was_enabled = gc.isenabled()
        gc.disable()  # many small objects, no cycles: skip the futile full collections
        try:
            for advisory in advisories:
                index.add(advisory)
        finally:
            if was_enabled:
                gc.enable()
        return index

    def add(self, advisory: Advisory) -> None:
        """File one more advisory (the incremental path for a growing index).

        An advisory whose id is already filed replaces the earlier version (a re-import after
        an update): the old criteria stay in their lists but are skipped from then on.
        """
        old = self._position.get(advisory.advisory_id)
        if old is not None:
            self.advisories[old] = None
        position = len(self.advisories)
        self.advisories.append(advisory)
        self._position[advisory.advisory_id] = position
        compiled_any = False
        for criterion in advisory.criteria:
            compiled = _compile(criterion, position)
            if compiled is None:
                continue
            cpe, entry = compiled
            self._by_product.setdefault((cpe.vendor, cpe.product), []).append(entry)
            if _embeds_updates(cpe.version):
                self._embedded.add((cpe.vendor, cpe.product))
            self.criteria_count += 1
            compiled_any = True
        if not compiled_any:
            for name in advisory.products:
                stripped, full, vendor = _advisory_name_keys(name)
                entry = (position, name, stripped, vendor, full)
                for key in {stripped, full} - {""}:
                    self._by_name.setdefault(key, []).append(entry)

    def match(self, item: InventoryItem | Cpe | str) -> list[Match]:
        """Advisories affecting one product version (a CPE 2.3 name or an InventoryItem)."""
        item_id, cpe, platforms = _item_cpe(item)
        if cpe is None:
            return []
        found: dict[tuple[str, str], Match] = {}
        key = _item_key(cpe)
        embeds = (cpe.vendor, cpe.product) in self._embedded
        for compiled in self._by_product.get((cpe.vendor, cpe.product), ()):
            if not _others_agree(compiled, cpe):
                continue
            verdict = _version_verdict(compiled, cpe.version, key, embeds)
            if verdict is not None:
                advisory = self.advisories[compiled.advisory_index]
                if advisory is not None:
                    match = _make_match(advisory, compiled, item_id, cpe, verdict, platforms)
                    if match is not None:
                        _keep_best(found, match)
        if self._by_name:
            self._match_names(cpe, item_id, found)
        return sorted(found.values(), key=lambda m: (-_RANK[m.confidence], m.advisory_id))

    def _match_names(self, cpe: Cpe, item_id: str, found: dict[tuple[str, str], Match]) -> None:
        item_vendor = _compact(cpe.vendor)
        item_product = _compact(cpe.product)
        seen: set[int] = set()
        for key in (item_product, item_vendor + item_product):
            for position, name, stripped, vendor, full in self._by_name.get(key, ()):
                advisory = self.advisories[position]
                if position in seen or advisory is None:
                    continue
                if not _names_agree(stripped, full, vendor, item_vendor, item_product):
                    continue
                seen.add(position)
                _keep_best(found, _name_match(advisory, name, item_id, cpe))

    def match_all(self, items: Iterable[InventoryItem]) -> list[Match]:
        """Every match for every item (the full re-match)."""
        out: list[Match] = []
        was_enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of Match objects, no cycles
        try:
            for item in items:
                out.extend(self.match(item))
        finally:
            if was_enabled:
                gc.enable()
        return out


class Inventory:
    """Inventory items filed by (vendor, product) for matching new advisories one at a time."""

    def __init__(self, items: Iterable[InventoryItem]) -> None:
        self._by_product: dict[
            tuple[str, str], list[tuple[str, Cpe, VersionKey | None, tuple[str, ...] | None]]
        ] = {}
        self._by_name: dict[str, list[tuple[str, Cpe]]] = {}
        for item in items:
            cpe = _parse_cpe(item.cpe23)
            if cpe is None:
                continue
            entry = (item.item_id, cpe, _item_key(cpe), item.platforms)
            self._by_product.setdefault((cpe.vendor, cpe.product), []).append(entry)
            vendor, product = _compact(cpe.vendor), _compact(cpe.product)
            for key in {product, vendor + product}:
                self._by_name.setdefault(key, []).append((item.item_id, cpe))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_product.values())


def match_advisory(
    advisory: Advisory, inventory: Inventory | Iterable[InventoryItem]
) -> list[Match]:
    """The inventory items one (new) advisory affects.

    Pass an `Inventory` built once when matching many advisories; a plain list of items is
    accepted and filed on the fly.
    """
    if not isinstance(inventory, Inventory):
        inventory = Inventory(inventory)
    found: dict[tuple[str, str], Match] = {}
    any_cpe = False
    embedded: set[tuple[str, str]] = set()
    for criterion in advisory.criteria:
        parsed = _parse_cpe(criterion.cpe23)
        if parsed is not None and _embeds_updates(parsed.version):
            embedded.add((parsed.vendor, parsed.product))
    for criterion in advisory.criteria:
        compiled_pair = _compile(criterion, 0)
        if compiled_pair is None:
            continue
        any_cpe = True
        cpe, compiled = compiled_pair
        for item_id, item_cpe, key, platforms in inventory._by_product.get(
            (cpe.vendor, cpe.product), ()
        ):
            if not _others_agree(compiled, item_cpe):
                continue
            embeds = (cpe.vendor, cpe.product) in embedded
            verdict = _version_verdict(compiled, item_cpe.version, key, embeds)
            if verdict is not None:
                match = _make_match(advisory, compiled, item_id, item_cpe, verdict, platforms)
                if match is not None:
                    _keep_best(found, match)
    if not any_cpe:
        for name in advisory.products:
            stripped, full, vendor = _advisory_name_keys(name)
            for key in {stripped, full} - {""}:
                for item_id, item_cpe in inventory._by_name.get(key, ()):
                    item_vendor = _compact(item_cpe.vendor)
                    item_product = _compact(item_cpe.product)
                    if _names_agree(stripped, full, vendor, item_vendor, item_product):
                        _keep_best(found, _name_match(advisory, name, item_id, item_cpe))
    return sorted(found.values(), key=lambda m: (-_RANK[m.confidence], m.item_id))
