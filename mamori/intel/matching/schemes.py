"""Version ordering by ecosystem: Debian, RPM, PEP 440, SemVer, NuGet, Maven (no Django).

`scheme_key(scheme, version)` gives a comparison key under that scheme's own rules, or None when
the text is not a version of that scheme (the caller then falls back to the generic vendor-form
key of `versions.version_key`). Keys of one scheme compare with each other only.

`scheme_for(...)` picks the scheme from what is known about a product: the CPE's target
software (python, node.js, …), its vendor/product when that names an ecosystem (debian_linux
packages, Maven groups), or the version's own shape (an epoch "1:" or a "~" is Debian's, ".el9"
is RPM's, "-SNAPSHOT" is Maven's). Unknown means the generic key, which keeps the vendor forms
(Windows builds, "V3.1.0", "2023 R2", "8u301", "12.5(1)SU8", "1.0.2k") working.
"""

from __future__ import annotations

import re
from functools import cmp_to_key, lru_cache
from typing import Any

DEBIAN, RPM, PEP440, SEMVER, NUGET, MAVEN = "debian", "rpm", "pep440", "semver", "nuget", "maven"
SCHEMES = (DEBIAN, RPM, PEP440, SEMVER, NUGET, MAVEN)

# CPE target_sw values (NVD's spelling) that name an ecosystem.
_TARGET_SW = {
    "python": PEP440,
    "pypi": PEP440,
    "node.js": SEMVER,
    "nodejs": SEMVER,
    "npm": SEMVER,
    "go": SEMVER,
    "golang": SEMVER,
    "rust": SEMVER,
    "cargo": SEMVER,
    "ruby": SEMVER,
    ".net": NUGET,
    "nuget": NUGET,
    "maven": MAVEN,
    "java": MAVEN,
    "debian_linux": DEBIAN,
    "ubuntu_linux": DEBIAN,
    "enterprise_linux": RPM,
    "fedora": RPM,
}
# Products whose versions are Maven's (Java libraries NVD names by vendor:product).
_MAVEN_PRODUCTS = {
    ("apache", "log4j"),
    ("apache", "struts"),
    ("apache", "commons_text"),
    ("apache", "commons_collections"),
    ("apache", "shiro"),
    ("fasterxml", "jackson-databind"),
    ("vmware", "spring_framework"),
    ("vmware", "spring_boot"),
    ("qos", "logback"),
}
_DEBIAN_SHAPE = re.compile(r"^\d+:|~|[+.]deb\d|ubuntu\d")
_RPM_SHAPE = re.compile(r"\.(el|fc|amzn|suse)\d", re.I)
_MAVEN_SHAPE = re.compile(r"-snapshot$", re.I)


def scheme_for(
    *, target_sw: str = "", vendor: str = "", product: str = "", version: str = ""
) -> str:
    """The ordering scheme for a product, or "" (generic) when nothing says which."""
    scheme = _TARGET_SW.get((target_sw or "").lower(), "")
    if scheme:
        return scheme
    if (vendor, product) in _MAVEN_PRODUCTS:
        return MAVEN
    text = (version or "").lower()
    if _DEBIAN_SHAPE.search(text):
        return DEBIAN
    if _RPM_SHAPE.search(text):
        return RPM
    if _MAVEN_SHAPE.search(text):
        return MAVEN
    return ""


@lru_cache(maxsize=100_000)
def scheme_key(scheme: str, version: str) -> Any:
    """The key of `version` under `scheme`, or None when it is not valid there."""
    text = (version or "").strip()
    if not text or len(text) > 200:
        return None
    function = _KEYS.get(scheme)
    return function(text) if function is not None else None


def compare(scheme: str, a: str, b: str) -> int | None:
    """-1/0/1 under the scheme, or None when either is not a version of it."""
    key_a, key_b = scheme_key(scheme, a), scheme_key(scheme, b)
    if key_a is None or key_b is None:
        return None
    return (key_a > key_b) - (key_a < key_b)


# -- Debian (dpkg) ---------------------------------------------------------------------------

_DEB_RE = re.compile(r"^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$")


def _dpkg_chars(text: str) -> tuple[int, ...]:
    # "~" sorts before everything, even the end; letters before other characters.
    return (
        *(-1 if c == "~" else ord(c) if c.isalpha() else ord(c) + 256 for c in text),
        0,
    )


def _dpkg_part(text: str) -> tuple:
    out: list[tuple] = []
    for letters, digits in re.findall(r"(\D*)(\d*)", text):
        if not letters and not digits:
            continue
        out.append((_dpkg_chars(letters), int(digits or 0)))
    while out and out[-1] == ((0,), 0):
        out.pop()
    out.append(((0,),))  # the end: after "~", before anything else
    return tuple(out)


def _debian(text: str) -> tuple | None:
    match = _DEB_RE.match(text)
    if not match:
        return None
    epoch, upstream, revision = match.groups()
    if ":" in upstream and not epoch:
        return None
    return (int(epoch or 0), _dpkg_part(upstream), _dpkg_part(revision or "0"))


# -- RPM (rpmvercmp) -------------------------------------------------------------------------

_RPM_SEGMENT = re.compile(r"~|\^|\d+|[A-Za-z]+")


def _rpm_version(text: str) -> tuple:
    out: list[tuple] = []
    for segment in _RPM_SEGMENT.findall(text):
        if segment == "~":
            out.append((0,))
        elif segment == "^":
            out.append((2,))
        elif segment.isdigit():
            out.append((4, int(segment)))
        else:
            out.append((3, segment))
    out.append((1,))  # the end: after "~", before "^" and any further segment
    return tuple(out)


def _rpm(text: str) -> tuple | None:
    epoch = 0
    if re.match(r"^\d+:", text):
        head, text = text.split(":", 1)
        epoch = int(head)
    version, _, release = text.partition("-")
    return (epoch, _rpm_version(version), _rpm_version(release) if release else ())


# -- PEP 440 ---------------------------------------------------------------------------------


def _pep440(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


# -- SemVer 2.0 and NuGet ----------------------------------------------------------------------

_SEMVER_RE = re.compile(
    r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$", re.IGNORECASE
)
_NUGET_RE = re.compile(
    r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$"
)


def _prerelease(text: str | None, *, fold: bool) -> tuple:
    if not text:
        return ((2,),)  # a release sorts after every pre-release
    ids = []
    for identifier in text.split("."):
        if identifier.isdigit():
            ids.append((0, int(identifier)))
        else:
            ids.append((1, identifier.lower() if fold else identifier))
    return ((1, *ids),)


def _semver(text: str) -> tuple | None:
    match = _SEMVER_RE.match(text)
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), _prerelease(pre, fold=False))


def _nuget(text: str) -> tuple | None:
    match = _NUGET_RE.match(text)
    if not match:
        return None
    *numbers, pre = match.groups()
    return (*(int(n or 0) for n in numbers), _prerelease(pre, fold=True))


# -- Maven (ComparableVersion) ---------------------------------------------------------------

_QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_INT, _STR, _LIST = 0, 1, 2


def _maven_items(text: str) -> list:
    """Maven's parse: '.' and '-' separate, a digit/letter change separates, '-' nests."""
    root: list = []
    stack = [root]
    current = root
    token = ""
    is_digit = False

    def flush(next_char: str = "") -> None:
        nonlocal token
        if token:
            current.append(_maven_token(token, is_digit, next_char))
        elif next_char in (".", "-", ""):
            current.append((_INT, 0))
        token = ""

    for index, char in enumerate(text.lower()):
        if char == ".":
            flush(".")
        elif char == "-":
            flush("-")
            sub: list = []
            current.append((_LIST, sub))
            current = sub
            stack.append(sub)
        elif char.isdigit():
            if token and not is_digit:
                following = char
                current.append(_maven_token(token, False, following))
                token = ""
                sub = []
                current.append((_LIST, sub))
                current = sub
                stack.append(sub)
            is_digit = True
            token += char
        else:
            if token and is_digit:
                current.append(_maven_token(token, True, char))
                token = ""
                sub = []
                current.append((_LIST, sub))
                current = sub
                stack.append(sub)
            is_digit = False
            token += char
        del index
    if token:
        current.append(_maven_token(token, is_digit, ""))
    for items in reversed(stack):
        _maven_normalise(items)
    return root


def _maven_token(token: str, is_digit: bool, following: str) -> tuple:
    if is_digit:
        return (_INT, int(token))
    if len(token) == 1 and following.isdigit():
        token = {"a": "alpha", "b": "beta", "m": "milestone"}.get(token, token)
    return (_STR, _ALIASES.get(token, token))


def _is_null(item: tuple) -> bool:
    kind, value = item
    if kind == _INT:
        return value == 0
    if kind == _STR:
        return value == ""
    return not value


def _maven_normalise(items: list) -> None:
    index = len(items) - 1
    while index >= 0:
        item = items[index]
        if _is_null(item):
            del items[index]
        elif item[0] != _LIST:
            break
        index -= 1


def _qualifier_rank(value: str) -> tuple:
    if value in _QUALIFIERS:
        return (_QUALIFIERS.index(value), "")
    return (len(_QUALIFIERS), value)


def _maven_cmp(a: tuple | None, b: tuple | None) -> int:
    if a is None and b is None:
        return 0
    if a is None:
        return -_maven_cmp(b, None)
    kind, value = a
    if b is None:
        if kind == _INT:
            return 0 if value == 0 else 1
        if kind == _STR:
            return _cmp(_qualifier_rank(value), _qualifier_rank(""))
        for element in value:
            result = _maven_cmp(element, None)
            if result:
                return result
        return 0
    other_kind, other = b
    if kind == _INT:
        return _cmp(value, other) if other_kind == _INT else 1
    if kind == _STR:
        if other_kind == _INT:
            return -1
        if other_kind == _STR:
            return _cmp(_qualifier_rank(value), _qualifier_rank(other))
        return -1
    if other_kind == _INT:
        return -1
    if other_kind == _STR:
        return 1
    for left, right in _zip_longest(value, other):
        result = _maven_cmp(left, right)
        if result:
            return result
    return 0


def _zip_longest(a: list, b: list):
    for index in range(max(len(a), len(b))):
        yield (a[index] if index < len(a) else None, b[index] if index < len(b) else None)


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


_MavenKey = cmp_to_key(_maven_cmp)


def _maven(text: str) -> Any:
    return _MavenKey((_LIST, _maven_items(text)))


_KEYS = {
    DEBIAN: _debian,
    RPM: _rpm,
    PEP440: _pep440,
    SEMVER: _semver,
    NUGET: _nuget,
    MAVEN: _maven,
}
