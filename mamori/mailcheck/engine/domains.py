"""Domain helpers: registrable domain, IDN, confusable skeletons, mixed scripts, lookalikes.

Confusable data comes from the `confusable-homoglyphs` package, which ships Unicode's
confusables.txt and the script table as JSON (no download at run time). Its pairs are
symmetric rather than UTS #39's one-way "prototype" map, so our skeleton maps a character to
its ASCII letter/digit look-alike when one exists: that is exactly the case that matters for
domain spoofing (a Cyrillic "а" in "pаypal"), and it is applied after NFKC, as UTS #39 does.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import idna
from confusable_homoglyphs import categories as unicode_scripts
from publicsuffixlist import PublicSuffixList

# "Highly restrictive" (UTS #39 §5.2): one script, or one of these combinations. Latin + Han +
# Hiragana + Katakana is ordinary Japanese and must stay quiet.
ALLOWED_SCRIPT_SETS: tuple[frozenset[str], ...] = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})

# Typing and reading slips that typosquatters use, applied after the skeleton.
TYPO_FOLDS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("5", "s"),
    ("-", ""),
    ("_", ""),
)
MIN_FUZZY_CORE = 5  # shorter names collide by chance (e.g. "sony"/"song")


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


@functools.cache
def _ascii_prototypes() -> dict[str, str]:
    """char → ASCII look-alike (letters, digits, hyphen), from Unicode's confusables list."""
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    table: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and (target.isalnum() or target == "-"):
                table[char] = target.lower()
                break
    return table


def to_unicode(host: str) -> str:
    """Decode punycode labels (xn--) to Unicode; undecodable labels are kept as they are."""
    labels = []
    for label in host.strip(".").lower().split("."):
        if label.startswith("xn--"):
            try:
                label = idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                try:
                    label = label[4:].encode("ascii").decode("punycode")
                except (UnicodeError, ValueError):
                    pass
        labels.append(label)
    return ".".join(labels)


def to_ascii(host: str) -> str:
    labels = []
    for label in host.strip(".").split("."):
        if label.isascii():
            labels.append(label.lower())
            continue
        try:
            labels.append(idna.encode(label, uts46=True).decode("ascii"))
        except (idna.IDNAError, UnicodeError, ValueError):
            try:
                labels.append("xn--" + label.lower().encode("punycode").decode("ascii"))
            except (UnicodeError, ValueError):
                labels.append(label.lower())
    return ".".join(labels)


@functools.lru_cache(maxsize=8192)
def normalise_host(host: str) -> str:
    """NFKC, lower case, punycode decoded, no trailing dot: the form every check compares."""
    host = unicodedata.normalize("NFKC", host or "").strip().strip(".").lower()
    # Full-width and ideographic dots separate labels too.
    host = host.replace("。", ".").replace("．", ".").replace("｡", ".")
    return to_unicode(host)


def is_ip_host(host: str) -> bool:
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    # Dotted numbers that browsers still read as IPv4 (decimal, hex, octal forms).
    parts = host.split(".")
    return 1 <= len(parts) <= 4 and all(_numeric_part(p) for p in parts) and bool(host)


def _numeric_part(part: str) -> bool:
    p = part.lower()
    if p.startswith("0x"):
        return len(p) > 2 and all(c in "0123456789abcdef" for c in p[2:])
    return p.isdigit()


@functools.lru_cache(maxsize=8192)
def registrable(host: str) -> str:
    """The registered domain (example.co.jp for www.example.co.jp); the host itself if unknown."""
    host = normalise_host(host)
    if not host or is_ip_host(host):
        return host
    try:
        found = _psl().privatesuffix(to_ascii(host))
    except Exception:  # the list's parser must never break an analysis
        found = None
    return to_unicode(found) if found else host


def split_core(domain: str) -> tuple[str, str]:
    """("example", "co.jp") for a registrable domain."""
    try:
        suffix = _psl().publicsuffix(to_ascii(domain)) or ""
    except Exception:
        suffix = ""
    suffix = to_unicode(suffix)
    if suffix and domain.endswith("." + suffix):
        return domain[: -len(suffix) - 1], suffix
    head, _, tail = domain.rpartition(".")
    return (head, tail) if head else (domain, "")


# Look-alikes that Unicode's list leaves out but that pass for Latin letters in a domain name
# (Cyrillic small letters drawn like small capitals, and a few others seen in phishing).
EXTRA_PROTOTYPES: dict[str, str] = {
    "м": "m",
    "т": "t",
    "к": "k",
    "п": "n",
    "ь": "b",
    "в": "b",
    "н": "h",
    "г": "r",
    "и": "u",
    "л": "n",
    "ɡ": "g",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
}


def fold_accents(text: str) -> str:
    """Accents dropped (NFKD without combining marks): "ámazon" reads as "amazon"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def skeleton(text: str) -> str:
    """NFKC, lower case, then each character replaced by its ASCII look-alike when it has one."""
    table = _ascii_prototypes()
    norm = unicodedata.normalize("NFKC", text).lower()
    if norm.isascii():
        return norm
    return "".join(table.get(ch) or EXTRA_PROTOTYPES.get(ch, ch) for ch in norm)


def domain_skeleton(text: str) -> str:
    """The skeleton of a host or label with accents folded too (for lookalike matching)."""
    return skeleton(fold_accents(skeleton(text)))


def typo_key(text: str) -> str:
    key = skeleton(text)
    for a, b in TYPO_FOLDS:
        key = key.replace(a, b)
    # Collapse doubled letters ("paypall" → "paypal", "gooogle" → "gogle").
    out: list[str] = []
    for ch in key:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def scripts(text: str) -> set[str]:
    found: set[str] = set()
    for ch in text:
        if ch.isascii():
            if ch.isalpha():
                found.add("LATIN")
            continue
        try:
            found.add(unicode_scripts.alias(ch))
        except Exception:
            found.add("Unknown")
    return found - NEUTRAL_SCRIPTS


@functools.lru_cache(maxsize=8192)
def mixed_script_label(host: str) -> str | None:
    """The first label that breaks the highly restrictive profile, or None."""
    for label in normalise_host(host).split("."):
        found = scripts(label)
        if len(found) <= 1:
            continue
        if any(found <= allowed for allowed in ALLOWED_SCRIPT_SETS):
            continue
        return label
    return None


@dataclass(frozen=True)
class Reference:
    domain: str  # registrable, Unicode
    owner: str  # "trusted" or a brand id
    label: str  # what to show: the domain, or the brand's name


# Suffixes in ordinary use for decades, where one name is often held by unrelated owners.
OLD_GENERIC_SUFFIXES = frozenset({"com", "net", "org", "edu", "gov", "mil", "int"})


def _established_suffix(suffix: str) -> bool:
    last = suffix.rpartition(".")[2]
    return last in OLD_GENERIC_SUFFIXES or (len(last) == 2 and last.isascii())


def _same_country(ref: Reference, suffix: str) -> bool:
    return split_core(ref.domain)[1].rpartition(".")[2] == suffix.rpartition(".")[2]


def _same_suffix(ref: Reference, suffix: str) -> bool:
    return split_core(ref.domain)[1] == suffix


@dataclass(frozen=True)
class Lookalike:
    domain: str
    imitates: Reference
    how: str  # homograph / typo / swap / omission / suffix
    weak: bool = False  # the same name under an old suffix of another kind: needs corroboration


def _omissions(core: str, start: int = 0) -> Iterable[str]:
    for i in range(start, len(core)):
        yield core[:i] + core[i + 1 :]


def _swaps(core: str) -> Iterable[str]:
    for i in range(len(core) - 1):
        if core[i] != core[i + 1]:
            yield core[:i] + core[i + 1] + core[i] + core[i + 2 :]


class LookalikeIndex:
    """Precomputed keys of reference domains so that checking one domain costs a few lookups."""

    def __init__(self, references: Iterable[Reference]) -> None:
        self.exact: dict[str, Reference] = {}
        self.skeletons: dict[str, Reference] = {}
        self.cores: dict[str, Reference] = {}
        self.typo_keys: dict[str, Reference] = {}
        self.variants: dict[str, tuple[Reference, str]] = {}
        # One letter replaced (also bit flips and vowel swaps): position and the rest.
        self.replacements: dict[tuple[int, str], Reference] = {}
        # Four-letter names are matched only with their own suffix (smbx.co.jp for smbc.co.jp),
        # by one swapped or replaced letter; shorter names only as homographs or split labels.
        self.short_swaps: dict[str, Reference] = {}
        for ref in references:
            if not ref.domain or ref.domain in self.exact:
                continue
            self.exact[ref.domain] = ref
        for domain, ref in self.exact.items():
            self.skeletons.setdefault(skeleton(domain), ref)
            core, suffix = split_core(domain)
            if len(core) >= 4:
                self.cores.setdefault(core, ref)
            if len(core) >= 3:
                self.typo_keys.setdefault(typo_key(core), ref)
                # The suffix flattened into the name: amazon-co-jp.com, examplecojp.net.
                if suffix:
                    self.typo_keys.setdefault(typo_key(core + suffix.replace(".", "")), ref)
                    self.typo_keys.setdefault(typo_key(core + suffix.split(".")[0]), ref)
            if len(core) >= MIN_FUZZY_CORE:
                for i in range(len(core)):
                    self.replacements.setdefault((i, core[:i] + core[i + 1 :]), ref)
            elif len(core) == 4 and suffix.endswith("jp"):
                for variant in _swaps(core):
                    self.short_swaps.setdefault(f"{variant}.{suffix}", ref)
                for i in range(len(core)):
                    for letter in "abcdefghijklmnopqrstuvwxyz0123456789":
                        variant = core[:i] + letter + core[i + 1 :]
                        if variant != core:
                            self.short_swaps.setdefault(f"{variant}.{suffix}", ref)
            if len(core) >= MIN_FUZZY_CORE:
                # Dropping the first letter reads as another word ("gmail" → "mail"): skip it.
                for variant in _omissions(core, start=1):
                    self.variants.setdefault(variant, (ref, "omission"))
                for variant in _swaps(core):
                    self.variants.setdefault(variant, (ref, "swap"))

    def owner_of(self, domain: str) -> Reference | None:
        return self.exact.get(domain)

    def match(self, host: str) -> Lookalike | None:
        """A lookalike of a reference domain, or None (also None for the reference itself)."""
        domain = registrable(host)
        if not domain or domain in self.exact or is_ip_host(domain):
            return None
        # A reference domain written in front of another one: amazon.co.jp.account-check.top,
        # or with its dots turned into hyphens: nta.go-jp.com, smbc-co-jp.top.
        full = normalise_host(host)
        labels = full.split(".")
        for start in range(len(labels) - 2):
            for width in (2, 3):
                inner = ".".join(labels[start : start + width])
                if inner in self.exact and start + width < len(labels):
                    return Lookalike(domain, self.exact[inner], "subdomain")
        ref = self.skeletons.get(skeleton(domain)) or self.skeletons.get(domain_skeleton(domain))
        if ref is not None:
            return Lookalike(domain, ref, "homograph")
        core, suffix = split_core(domain)
        if not core:
            return None
        # Labels split by a dot in front of the suffix: s.mbc.co.jp reads as smbc.co.jp.
        if suffix and full.endswith("." + suffix):
            joined = domain_skeleton(full[: -len(suffix) - 1].replace(".", ""))
            if joined != domain_skeleton(core):
                ref = self.exact.get(f"{joined}.{suffix}") or (
                    self.cores.get(joined) if len(joined) >= MIN_FUZZY_CORE else None
                )
                if ref is not None:
                    return Lookalike(domain, ref, "dot-split")
        core_skeleton = domain_skeleton(core)
        if core_skeleton != core:
            ref = self.skeletons.get(f"{core_skeleton}.{suffix}")
            if ref is not None:
                return Lookalike(domain, ref, "homograph")
        ref = self.cores.get(core_skeleton)
        if ref is not None:
            if core_skeleton != core:
                return Lookalike(domain, ref, "homograph")
            # The same name under an old, ordinary suffix of another country or kind is as often
            # another owner (slack.net, canada.com, yahoo.co.uk) as a squatter: a weak hint that
            # needs corroboration. The same country's other suffix (example.jp) stays strong.
            other_kind = _established_suffix(suffix) and not _same_country(ref, suffix)
            return Lookalike(domain, ref, "suffix", weak=other_kind)
        if len(core) >= 3:
            ref = self.typo_keys.get(typo_key(core))
            # Short names collide by chance across suffixes (usa.net is not usaa.com).
            if ref is not None and (len(core) >= MIN_FUZZY_CORE or _same_suffix(ref, suffix)):
                return Lookalike(domain, ref, "typo" if core.isascii() else "homograph")
        found = self.variants.get(core_skeleton)
        # Five letters less one read as other words elsewhere (unet.net.ph is not unext.jp).
        if found is not None and (
            len(core_skeleton) >= MIN_FUZZY_CORE or _same_suffix(found[0], suffix)
        ):
            return Lookalike(domain, found[0], found[1])
        if len(core_skeleton) >= MIN_FUZZY_CORE:
            for i in range(len(core_skeleton)):
                ref = self.replacements.get((i, core_skeleton[:i] + core_skeleton[i + 1 :]))
                if ref is None:
                    continue
                ref_core, ref_suffix = split_core(ref.domain)
                # Five letters: only beside the same suffix (email.test is not ymail.com).
                if ref_core != core_skeleton and (len(core_skeleton) >= 6 or ref_suffix == suffix):
                    return Lookalike(domain, ref, "replacement")
        ref = self.short_swaps.get(f"{core_skeleton}.{suffix}")
        if ref is not None:
            return Lookalike(domain, ref, "swap")
        if len(core_skeleton) >= MIN_FUZZY_CORE + 1:
            # One letter added (repetition or insertion): an omission of ours is a reference core.
            for variant in _omissions(core_skeleton):
                ref = self.cores.get(variant)
                if ref is not None and len(variant) >= MIN_FUZZY_CORE:
                    return Lookalike(domain, ref, "insertion")
        return self._dashed_suffix(full, domain)

    def _dashed_suffix(self, full: str, domain: str) -> Lookalike | None:
        """Dots written as hyphens in the registered name: nta.go-jp.com, smbc-co-jp.top."""
        if "-" not in domain:
            return None
        dashed = full.replace("-", ".").split(".")
        own = len(domain.replace("-", ".").split("."))
        for start in range(len(dashed) - 1):
            for width in (2, 3):
                end = start + width
                inner = ".".join(dashed[start:end])
                if inner in self.exact and len(dashed) - own < end < len(dashed):
                    return Lookalike(domain, self.exact[inner], "suffix")
        return None
