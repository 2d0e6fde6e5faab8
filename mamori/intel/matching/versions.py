"""Version comparison that copes with what vendors really write.

A version becomes a tuple key that Python compares natively (fast enough to pre-compute for every
bound in an NVD-sized index):

* numbers compare as numbers ("2.10" > "2.9"), and trailing zero groups do not count
  ("1.0" == "1.0.0");
* pre-release words sort before the release ("1.0rc1" < "1.0" < "1.0.1"): dev < alpha/a <
  beta/b < pre/preview/m < rc/c (a single letter counts as pre-release only when a number
  follows it: "3.12.0a1" is an alpha, OpenSSL's "1.0.2k" is a later patch);
* any other word is a post-release marker ("8u301" > "8", "12.5(1)su8" > "12.5(1)",
  "1.0p1" > "1.0");
* separators (. - _ + ( ) space) only split, and a leading "v" is ignored;
* a Debian-style epoch counts first ("1:0.5" > "5.0"), "~" sorts before everything
  ("1.0~1" < "1.0"), SemVer build metadata is ignored ("1.0.0+build.5" == "1.0.0"), and Maven's
  release words are the release itself ("1.0-ga" == "1.0.final" == "1.0").

Ecosystem-specific rules (Debian, RPM, PEP 440, SemVer, NuGet, Maven) are in `schemes`; this
generic key is what every version falls back to.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN_RE = re.compile(r"\d+|[a-z]+|~")
_EPOCH_RE = re.compile(r"^(\d{1,4}):(?=\d)")
_SEMVER_BUILD_RE = re.compile(r"^(\d+\.\d+\.\d+(?:-[0-9a-z.-]+)?)\+[0-9a-z.-]+$")
_RELEASE_WORDS = frozenset({"ga", "final", "release"})
_PRE_RELEASE = {
    "dev": 0,
    "snapshot": 0,
    "nightly": 0,
    "alpha": 1,
    "a": 1,
    "beta": 2,
    "b": 2,
    "pre": 3,
    "preview": 3,
    "m": 3,
    "milestone": 3,
    "rc": 4,
    "c": 4,
    "cr": 4,
}
_END = (1,)  # sorts after every pre-release token and before post-release words and numbers
MAX_VERSION_CHARS = 200
MAX_TOKENS = 40

VersionKey = tuple[tuple[int, int | str] | tuple[int], ...]


@lru_cache(maxsize=200_000)
def version_key(version: str) -> VersionKey:
    """The comparison key of a version string (see the module docstring)."""
    text = (version or "").strip().lower()[:MAX_VERSION_CHARS]
    if text.startswith("v") and text[1:2].isdigit():
        text = text[1:]
    epoch = 0
    if ":" in text:
        match = _EPOCH_RE.match(text)
        if match:
            epoch, text = int(match.group(1)), text[match.end() :]
    if "+" in text:
        build = _SEMVER_BUILD_RE.match(text)
        if build:
            text = build.group(1)
    if epoch:
        return ((4, epoch), *_key(text))
    return _key(text)


def _key(text: str) -> VersionKey:
    pieces = text.split(".")
    if len(pieces) <= MAX_TOKENS and all(p.isdigit() and p.isascii() for p in pieces):
        # Fast path for plain dotted numbers, the large majority of NVD bounds.
        numbers = [int(p[:30]) for p in pieces]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        return (*((3, n) for n in numbers), _END)
    tokens = _TOKEN_RE.findall(text)[:MAX_TOKENS]
    out: list[tuple[int, int | str] | tuple[int]] = []
    run_start = 0  # where the current run of numbers began in `out`
    for index, token in enumerate(tokens):
        if token.isdigit():
            out.append((3, int(token[:30])))
            continue
        _drop_trailing_zeros(out, run_start)
        if token == "~":  # noqa: S105 - a version token, not a secret
            out.append((0, -1))
            run_start = len(out)
            continue
        if token in _RELEASE_WORDS and all(t in _RELEASE_WORDS for t in tokens[index:]):
            break
        rank = _PRE_RELEASE.get(token)
        if rank is not None and len(token) == 1:
            # "3.12.0a1" is an alpha, but OpenSSL's "1.0.2k" (a bare trailing letter) is a
            # later patch level.
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if not following.isdigit():
                rank = None
        out.append((0, rank) if rank is not None else (2, token))
        run_start = len(out)
    _drop_trailing_zeros(out, run_start)
    out.append(_END)
    return tuple(out)


def _drop_trailing_zeros(out: list, run_start: int) -> None:
    # Keep at least one number of the run so "0.0" still differs from "" only by nothing.
    while len(out) > run_start + 1 and out[-1] == (3, 0):
        out.pop()
    if len(out) == run_start + 1 and out[-1] == (3, 0) and run_start > 0:
        out.pop()


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as version `a` is older than, equal to or newer than `b`."""
    key_a, key_b = version_key(a), version_key(b)
    return (key_a > key_b) - (key_a < key_b)


def is_wildcard(version: str | None) -> bool:
    """True for "any version" ("", "*", "-" = not applicable is treated alike by callers)."""
    return not version or version in ("*", "-")


def wildcard_prefix(version: str) -> str | None:
    """For a trailing-wildcard version such as "2.5.*", the prefix "2.5." (else None)."""
    if len(version) > 1 and version.endswith("*") and "*" not in version[:-1]:
        return version[:-1]
    return None
