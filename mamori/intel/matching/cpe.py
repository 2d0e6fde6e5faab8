"""CPE names: parse CPE 2.3 formatted strings and CPE 2.2 URIs, format them, suggest one.

Component values are kept unescaped and lower-cased; "*" means ANY and "-" means NA, as in the
CPE 2.3 naming specification (NISTIR 7695).
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, fields

ANY = "*"
NA = "-"
_FIELD_NAMES = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)
MAX_CPE_CHARS = 1_000
# Characters left bare in a formatted string (everything else printable gets a backslash).
_BARE = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class CpeError(ValueError):
    """The text is not a CPE name."""


@dataclass(frozen=True, slots=True)
class Cpe:
    part: str = ANY
    vendor: str = ANY
    product: str = ANY
    version: str = ANY
    update: str = ANY
    edition: str = ANY
    language: str = ANY
    sw_edition: str = ANY
    target_sw: str = ANY
    target_hw: str = ANY
    other: str = ANY

    @classmethod
    def parse(cls, text: str) -> Cpe:
        """Parse a CPE 2.3 formatted string ("cpe:2.3:a:…") or a CPE 2.2 URI ("cpe:/a:…")."""
        if not isinstance(text, str):
            raise CpeError("a CPE name must be text")
        value = text.strip()
        if len(value) > MAX_CPE_CHARS:
            raise CpeError("CPE name too long")
        lowered = value.lower()
        if lowered.startswith("cpe:2.3:"):
            return cls._from_formatted(value[8:])
        if lowered.startswith("cpe:/"):
            return cls._from_uri(value[5:])
        raise CpeError(f"not a CPE name: {value[:60]!r}")

    @classmethod
    def _from_formatted(cls, body: str) -> Cpe:
        if "\\" not in body:  # the common case: nothing escaped, a plain split will do
            components = body.split(":")
            if len(components) == 11 and components[0] in ("a", "o", "h", ANY):
                return cls(*[piece.lower() or ANY for piece in components])
        components = _split_unescaped(body)
        if len(components) != 11:
            raise CpeError(f"a CPE 2.3 name has 11 components, this one has {len(components)}")
        values = [_unescape(piece).lower() for piece in components]
        if values[0] not in {"a", "o", "h", ANY}:
            raise CpeError(f"unknown CPE part {values[0]!r}")
        return cls(*[value if value != "" else ANY for value in values])

    @classmethod
    def _from_uri(cls, body: str) -> Cpe:
        pieces = body.split(":")
        if len(pieces) > 7:
            raise CpeError("a CPE 2.2 URI has at most 7 components")
        values = [urllib.parse.unquote(piece).lower() for piece in pieces]
        values += [""] * (7 - len(values))
        part, vendor, product, version, update, edition, language = values
        if part not in {"a", "o", "h", ""}:
            raise CpeError(f"unknown CPE part {part!r}")
        sw_edition = target_sw = target_hw = other = ANY
        if edition.startswith("~"):  # packed 2.3 attributes inside a 2.2 edition
            packed = edition.split("~")[1:] + [""] * 5
            edition, sw_edition, target_sw, target_hw, other = (v or ANY for v in packed[:5])
        return cls(
            *(
                value or ANY
                for value in (
                    part,
                    vendor,
                    product,
                    version,
                    update,
                    edition,
                    language,
                    sw_edition,
                    target_sw,
                    target_hw,
                    other,
                )
            )
        )

    def format(self) -> str:
        """The CPE 2.3 formatted string."""
        return "cpe:2.3:" + ":".join(_escape(getattr(self, name)) for name in _FIELD_NAMES)

    def __str__(self) -> str:
        return self.format()

    def with_version(self, version: str) -> Cpe:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["version"] = version.lower() if version else ANY
        return Cpe(**values)


def _split_unescaped(body: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    escaped = False
    for char in body:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    pieces.append("".join(current))
    return pieces


def _unescape(value: str) -> str:
    if value in (ANY, NA):
        return value
    return re.sub(r"\\(.)", r"\1", value)


def _escape(value: str) -> str:
    if value in (ANY, NA) or not value:
        return value or ANY
    out: list[str] = []
    for index, char in enumerate(value):
        # Embedded wildcards ("2.5.*") stay bare; other punctuation gets a backslash.
        if char in _BARE or ord(char) > 127 or (char in "*?" and index in (0, len(value) - 1)):
            out.append(char)
        elif char.isspace():
            out.append("_")
        else:
            out.append("\\" + char)
    return "".join(out)


_CORPORATE_WORDS = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "kk",
    "foundation",
    "software",
    "the",
    "project",
    "group",
    "technologies",
    "systems",
}
_CORPORATE_JA = (
    "株式会社",
    "有限会社",
    "合同会社",
    "一般財団法人",
    "一般社団法人",
    "(株)",
    "（株）",
)
_VENDOR_ALIASES = {
    "apache_software_foundation": "apache",
    "palo_alto_networks": "paloaltonetworks",
    "palo_alto": "paloaltonetworks",
    "trend_micro": "trendmicro",
    "check_point": "checkpoint",
    "the_apache_software_foundation": "apache",
    "microsoft": "microsoft",
    "google": "google",
    "oracle": "oracle",
    "mozilla": "mozilla",
    "adobe": "adobe",
}


def normalise_name(text: str, *, vendor: bool = False) -> str:
    """A CPE-style component from a human name: NFKC, lower case, words joined with "_".

    For vendors, corporate words (Inc, Ltd, 株式会社 …) are dropped, so "Apache Software
    Foundation" and "apache" meet.
    """
    value = unicodedata.normalize("NFKC", text or "").lower().strip()
    if vendor:
        for word in _CORPORATE_JA:
            value = value.replace(word.lower(), " ")
    words = re.findall(r"[\w.+&-]+", value)
    words = [w.strip(".-") for w in words]
    if vendor:
        joined = "_".join(w for w in words if w)
        if joined in _VENDOR_ALIASES:
            return _VENDOR_ALIASES[joined]
        kept = [w for w in words if w and w not in _CORPORATE_WORDS]
        words = kept or words
    return "_".join(w for w in words if w)


# Operating systems, firmware and appliances NVD files as part "o" (or hardware, "h"): the
# suggestion must use the same part, or nothing matches.
_KNOWN_PARTS = {
    ("fortinet", "fortios"): "o",
    ("fortinet", "fortiproxy"): "a",
    ("paloaltonetworks", "pan-os"): "o",
    ("juniper", "junos"): "o",
    ("juniper", "junos_os_evolved"): "o",
    ("cisco", "ios"): "o",
    ("cisco", "ios_xe"): "o",
    ("cisco", "ios_xr"): "o",
    ("cisco", "nx-os"): "o",
    ("sonicwall", "sonicos"): "o",
    ("mikrotik", "routeros"): "o",
    ("canonical", "ubuntu_linux"): "o",
    ("debian", "debian_linux"): "o",
    ("redhat", "enterprise_linux"): "o",
    ("apple", "macos"): "o",
    ("apple", "iphone_os"): "o",
    ("apple", "ipados"): "o",
    ("google", "android"): "o",
    ("google", "chrome_os"): "o",
    ("synology", "diskstation_manager"): "o",
    ("qnap", "qts"): "o",
    ("qnap", "quts_hero"): "o",
    ("linux", "linux_kernel"): "o",
    ("vmware", "esxi"): "o",
    ("yamaha", "rtx1210"): "h",
    ("microsoft", "windows"): "o",
}
# A project that is its own vendor is "<name>_project" in NVD (dreamer_cms_project:dreamer_cms).
_PROJECT_SUFFIX = "_project"


def guess_part(vendor: str, product: str) -> str:
    """ "o" for operating systems and firmware NVD files as such, "h" for hardware, else "a"."""
    known = _KNOWN_PARTS.get((vendor, product))
    if known:
        return known
    if product.startswith("windows") and vendor == "microsoft":
        return "o"
    if product.endswith(("_firmware", "_os", "-os")):
        return "o"
    return "a"


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in "_-. ")


def known_pair(
    vendor: str, product: str, known: Iterable[tuple[str, str, str]]
) -> tuple[str, str, str] | None:
    """The (part, vendor, product) of NVD's dictionary that names this product, if any.

    `known` holds names seen in imported advisories. Spacing and punctuation do not count
    ("Palo Alto Networks PAN-OS" = paloaltonetworks:pan-os); a pair whose product matches
    and whose vendor is the user's vendor (or "<product>_project") wins.
    """
    want_vendor, want_product = _compact(vendor), _compact(product)
    best: tuple[str, str, str] | None = None
    for part, known_vendor, known_product in known:
        compact_vendor, compact_product = _compact(known_vendor), _compact(known_product)
        if compact_product != want_product and compact_vendor + compact_product != want_product:
            continue
        if compact_vendor == want_vendor or not want_vendor:
            return part, known_vendor, known_product
        if compact_vendor in (want_product + "project", want_vendor + "project"):
            best = (part, known_vendor, known_product)
        elif best is None and (
            compact_vendor.startswith(want_vendor) or want_vendor.startswith(compact_vendor)
        ):
            best = (part, known_vendor, known_product)
    return best


def suggest_cpe(
    vendor: str,
    product: str,
    version: str = "",
    *,
    part: str | None = None,
    known: Iterable[tuple[str, str, str]] = (),
) -> str:
    """A best-guess CPE 2.3 name for a product known by its vendor, name and version.

    The vendor's name is dropped from the start of the product ("Apache Struts" by "Apache" gives
    product "struts"), as NVD names products; a project with no vendor of its own becomes
    "<name>_project". `known` — (part, vendor, product) names from imported advisories — wins
    when one fits. The part is guessed (see guess_part) unless given.
    """
    vendor_part = normalise_name(vendor, vendor=True) or ANY
    product_part = normalise_name(product)
    if vendor_part != ANY and product_part.startswith(vendor_part + "_"):
        product_part = product_part[len(vendor_part) + 1 :]
    raw_vendor = normalise_name(vendor)
    if raw_vendor.endswith(_PROJECT_SUFFIX):
        vendor_part = raw_vendor  # "Dreamer CMS Project" is NVD's dreamer_cms_project
    elif product_part and vendor_part == product_part:
        vendor_part = product_part + _PROJECT_SUFFIX
    learned = known_pair(vendor_part if vendor_part != ANY else "", product_part, known)
    if learned is None and normalise_name(product) != product_part:
        learned = known_pair(vendor_part, normalise_name(product), known)
    if learned is not None:
        learned_part, vendor_part, product_part = learned
        part = part or learned_part or None
    if part is None:
        part = guess_part(vendor_part, product_part)
    version_part = (version or "").strip().lower() or ANY
    if version_part.startswith("v") and version_part[1:2].isdigit():
        version_part = version_part[1:]
    return Cpe(
        part=part if part in {"a", "o", "h"} else "a",
        vendor=vendor_part,
        product=product_part or ANY,
        version=version_part,
    ).format()
