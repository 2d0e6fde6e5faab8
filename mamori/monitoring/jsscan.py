"""What an inline script, an event handler or a CSS block does, read without running it.

No Django here. Used by the fingerprint: each inline script gets a *shape* (its code with string
and number values masked, so a new nonce, token or analytics id keeps the shape) and a list of
*flags*, the patterns injected code takes — a loader with a computed source, evaluation of
encoded text, a redirect, a listener on payment fields, data sent to another host. A flag that
names a host is written ``code@host``; the comparison decides whether the host is the site's own.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

MAX_SCAN_CHARS = 200_000
MAX_FLAG_SCAN_CHARS = 64_000  # injected code is short; a huge inline bundle is scanned in part

# --- shapes ---------------------------------------------------------------------------------

_STRING = re.compile(
    r"""'(?:[^'\\\n]|\\.){0,2000}'|"(?:[^"\\\n]|\\.){0,2000}"|`(?:[^`\\]|\\.){0,4000}`"""
)
_NUMBER = re.compile(r"\b\d[\d_.]*\b|\b0x[0-9a-fA-F]+\b")
_SPACE = re.compile(r"\s+")
_HOST_IN_TEXT = re.compile(
    r"(?:https?:)?//([A-Za-z0-9.-]+\.[A-Za-z]{2,63}|\[[0-9A-Fa-f:]+\]|\d{1,3}(?:\.\d{1,3}){3})",
    re.IGNORECASE,
)
# Long runs of letters and digits (tokens, ids, hashes) change on every load of many pages.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{12,}")
_DIGIT = re.compile(r"\d")


def _mask_token(match: re.Match[str]) -> str:
    return "T" if _DIGIT.search(match.group(0)) else match.group(0)


def _mask_string(match: re.Match[str]) -> str:
    text = match.group(0)
    hosts = sorted({host.lower() for host in _HOST_IN_TEXT.findall(text)})
    # A string naming a host keeps the host: changing where code loads from changes the shape.
    return "S(" + ",".join(hosts) + ")" if hosts else "S"


def shape(code: str) -> str:
    """A short hash of the script with its values masked (strings keep the hosts they name)."""
    text = _STRING.sub(_mask_string, code[:MAX_SCAN_CHARS])
    text = _TOKEN.sub(_mask_token, text)
    text = _NUMBER.sub("0", text)
    text = _SPACE.sub(" ", text).strip()
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


# --- flags ----------------------------------------------------------------------------------

_CONCAT = re.compile(r"""(['"])\s*\+\s*(['"])""")
_CREATE_SCRIPT = re.compile(r"""createElement\s*\(\s*(['"`])\s*script\s*\1\s*\)""", re.I)
_SRC_ASSIGN = re.compile(
    r"""\.\s*src\s*=\s*([^;\n]{1,300})|setAttribute\s*\(\s*['"]src['"]\s*,\s*([^)]{1,300})\)"""
)
_LITERAL_ONLY = re.compile(r"""^\s*(['"`])[^'"`+]*\1\s*[;,)]?\s*$""")
_WRITE_SCRIPT = re.compile(
    r"""document\s*\.\s*write(?:ln)?\s*\((?:(?!\)\s*;).){0,400}?(?:<\s*scr|%3c\s*scr|\\x3c\s*scr|\\u003c\s*scr|unescape|atob|<\s*iframe)""",
    re.I | re.S,
)
_EVAL = re.compile(
    r"""\beval\s*\(|\batob\s*\(|\bunescape\s*\(|fromCharCode|(?-i:\bnew\s+Function\s*\(|(?<![\w.])Function\s*\(\s*['"a-zA-Z_])|\[\s*['"]eval['"]\s*\]|\bsetTimeout\s*\(\s*['"`]|\bsetInterval\s*\(\s*['"`]|\b_0x[0-9a-f]{4,}\b|(?:\\x[0-9a-fA-F]{2}){8,}|(?:\\u[0-9a-fA-F]{4}){8,}""",
    re.I,
)
_REDIRECT = re.compile(
    r"""(?:window\s*\.\s*|document\s*\.\s*|top\s*\.\s*|self\s*\.\s*|parent\s*\.\s*)?location(?:\s*\.\s*href)?\s*=(?!=)|location\s*\.\s*(?:replace|assign)\s*\(|window\s*\.\s*open\s*\(""",
    re.I,
)
_REFERRER = re.compile(r"document\s*\.\s*referrer|navigator\s*\.\s*userAgent", re.I)
_PAYMENT_FIELD = re.compile(
    r"""cc[-_]?(?:num|number|cvv|cvc|exp)|card[-_ ]?(?:number|num|holder|cvc|cvv|expir)|cardnumber|\bcvv2?\b|\bcvc\b|security[-_ ]?code|billing|checkout|payment|credit|カード番号|セキュリティコード|password|passwd|\[type=.?password""",
    re.I,
)
_LISTENER = re.compile(
    r"""addEventListener\s*\(\s*['"](?:submit|change|blur|input|keyup|keydown|click)['"]|\.on(?:submit|change|blur|input|keyup|click)\s*=|\.(?:submit|change|blur|keyup)\s*\(""",
    re.I,
)
_EXFIL = re.compile(
    r"""\bfetch\s*\(|sendBeacon\s*\(|XMLHttpRequest|\.open\s*\(\s*['"](?:POST|GET)['"]|new\s+Image\s*\(|\bWebSocket\s*\(|\$\s*\.\s*(?:ajax|post|get)\s*\(""",
    re.I,
)
_FORM_READ = re.compile(
    r"""\.value\b|FormData\s*\(|serialize\s*\(|querySelectorAll\s*\(\s*['"]input""", re.I
)


def _joined(code: str) -> str:
    """String concatenations of literals joined ('ht'+'tps://x' → 'https://x')."""
    previous = None
    text = code
    for _ in range(5):
        if text == previous:
            break
        previous = text
        text = _CONCAT.sub("", text)
    return text


MAX_CACHED_CHARS = 20_000


def analyse(code: str) -> tuple[str, tuple[str, ...]]:
    """(shape, flags) of one inline script; small scripts are cached (they come back on every
    check of the page), large ones are not kept in memory."""
    if len(code) > MAX_CACHED_CHARS:
        return shape(code), tuple(script_flags(code))
    return _analyse_cached(code)


@lru_cache(maxsize=4096)
def _analyse_cached(code: str) -> tuple[str, tuple[str, ...]]:
    return shape(code), tuple(script_flags(code))


def hosts_named(code: str) -> set[str]:
    return {host.lower().strip("[]") for host in _HOST_IN_TEXT.findall(_joined(code))}


def script_flags(code: str) -> list[str]:
    """Suspicious patterns in one inline script (empty for ordinary code)."""
    text = code[:MAX_FLAG_SCAN_CHARS]
    joined = _joined(text)
    hosts = sorted(hosts_named(text))
    flags: list[str] = []

    def add(code_name: str, with_hosts: bool = False) -> None:
        if with_hosts and hosts:
            flags.extend(f"{code_name}@{host}" for host in hosts[:5])
        else:
            flags.append(code_name)

    if _CREATE_SCRIPT.search(joined) or re.search(r"createElement\s*\(\s*['\"]scr['\"]\s*\+", text):
        computed = False
        for match in _SRC_ASSIGN.finditer(text):
            value = (match.group(1) or match.group(2) or "").strip()
            if not _LITERAL_ONLY.match(value):
                computed = True
        if computed or re.search(r"createElement\s*\(\s*['\"]scr['\"]\s*\+", text):
            flags.append("loader")
        elif hosts:
            add("loader_host", with_hosts=True)
    if _WRITE_SCRIPT.search(text):
        flags.append("write_script")
    if _EVAL.search(text):
        flags.append("encoded")
    if _REDIRECT.search(text):
        if _REFERRER.search(text):
            flags.append("cloaked_redirect")
        add("redirect", with_hosts=True)
    exfil = _EXFIL.search(text) is not None
    if (
        exfil
        and _PAYMENT_FIELD.search(text)
        and (_LISTENER.search(text) or _FORM_READ.search(text))
    ):
        flags.append("skimmer")
    if exfil and hosts:
        add("beacon", with_hosts=True)
    return flags


# --- attributes -----------------------------------------------------------------------------

HARMLESS_JS_URLS = re.compile(
    r"^javascript:\s*(?:void\s*\(?\s*0?\s*\)?\s*;?|;|false;?|return\s+false;?|)\s*$", re.I
)


def is_harmless_js_url(value: str) -> bool:
    return bool(HARMLESS_JS_URLS.match(value.strip()))


def url_hosts_in_css(css: str) -> tuple[list[str], list[str]]:
    """(@import targets, @font-face sources) named in a CSS text."""
    imports = [
        (match.group(1) or match.group(2) or "").strip()
        for match in re.finditer(
            r"""@import\s+(?:url\(\s*['"]?([^'")\s]+)['"]?\s*\)|['"]([^'"]+)['"])""", css, re.I
        )
    ]
    fonts: list[str] = []
    for block in re.finditer(r"@font-face\s*\{([^}]*)\}", css, re.I):
        fonts.extend(
            match.group(1).strip()
            for match in re.finditer(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)""", block.group(1))
        )
    return [i for i in imports if i], [f for f in fonts if f and not f.startswith("data:")]


def host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None
