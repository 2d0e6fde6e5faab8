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
from bisect import bisect_left
from functools import lru_cache
from urllib.parse import urlsplit

MAX_SCAN_CHARS = 200_000
MAX_FLAG_SCAN_CHARS = 64_000  # injected code is short; a huge inline bundle is scanned in part

# --- shapes ---------------------------------------------------------------------------------

# Possessive: a string's characters parse one way only, so giving some back never finds a
# closing quote; not keeping the choice points makes the scan about twice as fast.
_STRING = re.compile(
    r"""'(?:[^'\\\n]|\\.){0,2000}+'|"(?:[^"\\\n]|\\.){0,2000}+"|`(?:[^`\\]|\\.){0,4000}+`"""
)
# The same strings with runs of plain characters taken at once (much faster) and no length
# limit: _mask_strings skips what is over the limit, finding exactly what _STRING finds.
_STRING_RUNS = re.compile(
    r"""'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|`[^`\\]*+(?:\\.[^`\\]*+)*+`"""
)
# What r"\b\d[\d_.]*\b|\b0x[0-9a-fA-F]+\b" finds, written to start with the digit (the '\b'
# before a digit is "no word character before it", the look-behind): the engine then skips to
# the next digit instead of trying the pattern at every position (2.5x faster).
_NUMBER = re.compile(r"\d(?<!\w\d)(?:[\d_.]*\b|(?<=0)x[0-9a-fA-F]+\b)")
_SPACE = re.compile(r"\s+")
# Hosts after '//' (an 'http:' or 'https:' before it changes where a match starts, not the host;
# leaving it out lets the engine jump from one '//' to the next).
_HOST_IN_TEXT = re.compile(
    r"//([A-Za-z0-9.-]+\.[A-Za-z]{2,63}|\[[0-9A-Fa-f:]+\]|\d{1,3}(?:\.\d{1,3}){3})",
    re.IGNORECASE,
)
# Long runs of letters and digits (tokens, ids, hashes) change on every load of many pages:
# a whole run of 12 or more that holds a digit becomes "T". Written to try a run once, at its
# start (a plain [A-Za-z0-9_-]{12,} is tried at every character of a shorter run).
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]{12})[A-Za-z_-]*+[0-9][A-Za-z0-9_-]*+")


def _mask_string(match: re.Match[str]) -> str:
    return _masked(match.group(0))


def _masked(text: str) -> str:
    if "//" not in text:
        return "S"
    hosts = sorted({host.lower() for host in _HOST_IN_TEXT.findall(text)})
    # A string naming a host keeps the host: changing where code loads from changes the shape.
    return "S(" + ",".join(hosts) + ")" if hosts else "S"


_STRING_SPLIT = re.compile(f"({_STRING_RUNS.pattern})")
_ESCAPE = re.compile(r"\\.")
_QUOTE = re.compile("['\"`]")


class _OverLimit(Exception):
    """A string over _STRING's length limit: not a match there (raised with its span)."""


def _limit(quote: str) -> int:
    return 4000 if quote == "`" else 2000  # _STRING's, in characters (an escape counts as one)


def _masked_within_limit(match: re.Match[str]) -> str:
    start, end = match.span()
    if end - start > 2002:
        code = match.string
        content = code[start + 1 : end - 1]
        limit = _limit(code[start])
        if end - start - 2 > limit and len(content) - len(_ESCAPE.findall(content)) > limit:
            raise _OverLimit(start, end)
    return _masked(match.group(0))


def _mask_strings(code: str) -> str:
    """``_STRING.sub(_mask_string, code)``, found with _STRING_RUNS: runs of plain characters
    taken at once, no length limit, and one split instead of a search per string."""
    parts = _STRING_SPLIT.split(code)
    strings = parts[1::2]
    if strings and max(map(len, strings)) > 2002:
        return _mask_strings_with_long_ones(code)
    parts[1::2] = ["S" if "//" not in text else _masked(text) for text in strings]
    return "".join(parts)


def _mask_strings_with_long_ones(code: str) -> str:
    """_mask_strings where some string may be over _STRING's limit: no match there; the text
    before it is masked again (every string there was within the limit) and
    _after_long_string goes on as _STRING's search would."""
    pieces: list[str] = []
    while True:
        try:
            pieces.append(_STRING_RUNS.sub(_masked_within_limit, code))
            return "".join(pieces)
        except _OverLimit as over:
            start, end = over.args
            pieces.append(_STRING_RUNS.sub(_masked_within_limit, code[:start]))
            code = code[_after_long_string(code, start, end, pieces) :]


def _after_long_string(code: str, start: int, end: int, pieces: list[str]) -> int:
    """_STRING's search through a string too long to match (``code[start:end]``): its opening
    quote is kept, and each quote inside is tried in turn; pieces gets the text up to where
    the search leaves the string, which is returned. A quote of the same kind inside is
    escaped, so a string from it ends where the long one does: its length is counted, not
    scanned (on JSON with escaped quotes, scanning each made the search quadratic)."""
    quote = code[start]
    limit = _limit(quote)
    escapes = [match.start() for match in _ESCAPE.finditer(code, start + 1, end - 1)]
    closing = end - 1
    at = start + 1
    while (found := _QUOTE.search(code, at, closing)) is not None:
        inner = found.start()
        if code[inner] == quote:
            units = closing - inner - 1 - (len(escapes) - bisect_left(escapes, inner + 1))
            if units > limit:
                at = inner + 1
                continue
            matched_end, text = end, code[inner:end]
        else:
            match = _STRING.match(code, inner)
            if match is None:
                at = inner + 1
                continue
            matched_end, text = match.end(), match.group(0)
        pieces.append(code[start:inner])  # from the opening quote, kept
        pieces.append(_masked(text))
        return matched_end
    pieces.append(code[start:closing])
    return closing


# Byte tables for _mask_tokens: token characters as "w", everything else ".".
_TOKEN_KINDS = bytes(
    ord("w") if chr(i).isascii() and (chr(i).isalnum() or chr(i) in "_-") else ord(".")
    for i in range(256)
)
_NOT_TOKEN_KIND = re.compile(rb"[^w]")
_ASCII_DIGIT = re.compile(rb"[0-9]")


def _mask_tokens(text: str) -> str:
    """``_TOKEN.sub("T", text)``; for ASCII text (most scripts once their strings are masked)
    the runs of 12 or more token characters are found with str.find on a byte map of the text,
    about twice as fast as the pattern, which is tried at every character."""
    if not text.isascii():
        return _TOKEN.sub("T", text)
    data = text.encode("ascii")
    kinds = data.translate(_TOKEN_KINDS)
    start = kinds.find(b"w" * 12)
    if start < 0:
        return text
    pieces: list[bytes] = []
    at = 0
    while start >= 0:
        after = _NOT_TOKEN_KIND.search(kinds, start + 12)
        end = after.start() if after else len(data)
        if _ASCII_DIGIT.search(data, start, end):
            pieces.append(data[at:start])
            pieces.append(b"T")
            at = end
        start = kinds.find(b"w" * 12, end)
    pieces.append(data[at:])
    return b"".join(pieces).decode("ascii")


def shape(code: str) -> str:
    """A short hash of the script with its values masked (strings keep the hosts they name)."""
    text = _mask_strings(code[:MAX_SCAN_CHARS])
    text = _mask_tokens(text)
    text = _NUMBER.sub("0", text)
    # str.split and re's \s agree on what whitespace is; one split and join is ~5x faster.
    text = " ".join(text.split())
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


# --- flags ----------------------------------------------------------------------------------

_CONCAT = re.compile(r"""(['"])\s*\+\s*(['"])""")
_SRC_ASSIGN = re.compile(
    r"""\.\s*src\s*=\s*([^;\n]{1,300})|setAttribute\s*\(\s*['"]src['"]\s*,\s*([^)]{1,300})\)"""
)
_LITERAL_ONLY = re.compile(r"""^\s*(['"`])[^'"`+]*\1\s*[;,)]?\s*$""")
# Case-insensitive words are looked for in a folded copy of the same length: lower case, and
# the four non-ASCII letters re.IGNORECASE matches to ASCII ones (İ ı ſ K) made those letters.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold_case(text: str) -> str:
    """``text`` as re.IGNORECASE sees ASCII letters: where a str search on it finds a lower-case
    ASCII word, a case-insensitive pattern for that word may match (used as a precheck)."""
    if not text.isascii() and (
        "\u0130" in text or "\u0131" in text or "\u017f" in text or "\u212a" in text
    ):
        text = text.translate(_FOLD)  # rare; translate with a table is slow on long texts
    return text.lower()


class _Anywhere:
    """Whether any of several patterns matches somewhere in a text (what ``search`` of their
    alternation says), tried only where each pattern's keyword occurs: every match of a pattern
    starts with its keyword, so str.find finds the candidates and the pattern is tried there.
    Python's regex engine scans an alternation position by position (tens of milliseconds on a
    large inline script); this takes a fraction of a millisecond."""

    def __init__(self, *patterns: tuple[str, str, int] | tuple[str, str, int, str]) -> None:
        # (keyword, pattern, flags[, needed]); with re.I the keyword is written in lower case.
        # ``needed``: a word every match holds further on (searched like the keyword), for a
        # keyword common in code ('[', 'new'): without it the pattern is not tried at all.
        self.patterns = [
            (entry[0], re.compile(entry[1], entry[2]), bool(entry[2] & re.I), entry[3:])
            for entry in patterns
        ]

    def search(self, text: str, folded: str) -> bool:
        for keyword, pattern, ignore_case, needed in self.patterns:
            haystack = folded if ignore_case else text
            if needed and needed[0] not in haystack:
                continue
            start = haystack.find(keyword)
            while start >= 0:
                if pattern.match(text, start):  # look-behinds still see the text before
                    return True
                start = haystack.find(keyword, start + 1)
        return False


_I = re.I
_CREATE_SCRIPT = _Anywhere(
    ("createelement", r"""createElement\s*\(\s*(['"`])\s*script\s*\1\s*\)""", _I)
)
_WRITE_SCRIPT = _Anywhere(
    (
        "document",
        r"""document\s*\.\s*write(?:ln)?\s*\((?:(?!\)\s*;).){0,400}?(?:<\s*scr|%3c\s*scr|\\x3c\s*scr|\\u003c\s*scr|unescape|atob|<\s*iframe)""",
        re.I | re.S,
    )
)
_EVAL = _Anywhere(
    ("eval", r"\beval\s*\(", _I),
    ("atob", r"\batob\s*\(", _I),
    ("unescape", r"\bunescape\s*\(", _I),
    ("fromcharcode", r"fromCharCode", _I),
    ("new", r"\bnew\s+Function\s*\(", 0, "Function"),
    ("Function", r"""(?<![\w.])Function\s*\(\s*['"a-zA-Z_]""", 0),
    ("[", r"""\[\s*['"]eval['"]\s*\]""", _I, "eval"),
    ("settimeout", r"""\bsetTimeout\s*\(\s*['"`]""", _I),
    ("setinterval", r"""\bsetInterval\s*\(\s*['"`]""", _I),
    ("_0x", r"\b_0x[0-9a-f]{4,}\b", _I),
    ("\\x", r"(?:\\x[0-9a-fA-F]{2}){8,}", _I),
    ("\\u", r"(?:\\u[0-9a-fA-F]{4}){8,}", _I),
)
# 'window.', 'document.', 'top.', 'self.' or 'parent.' may precede 'location': they change
# where a match starts, not whether there is one.
_REDIRECT = _Anywhere(
    ("location", r"location(?:\s*\.\s*href)?\s*=(?!=)", _I),
    ("location", r"location\s*\.\s*(?:replace|assign)\s*\(", _I),
    ("window", r"window\s*\.\s*open\s*\(", _I),
)
_REFERRER = _Anywhere(
    ("document", r"document\s*\.\s*referrer", _I),
    ("navigator", r"navigator\s*\.\s*userAgent", _I),
)
_PAYMENT_FIELD = _Anywhere(
    ("cc", r"cc[-_]?(?:num|number|cvv|cvc|exp)", _I),
    ("card", r"card[-_ ]?(?:number|num|holder|cvc|cvv|expir)", _I),
    ("cvv", r"\bcvv2?\b", _I),
    ("cvc", r"\bcvc\b", _I),
    ("security", r"security[-_ ]?code", _I),
    *((word, word, _I) for word in ("billing", "checkout", "payment", "credit", "password")),
    *((word, word, _I) for word in ("passwd", "カード番号", "セキュリティコード")),
    ("[type=", r"\[type=.?password", _I),
)
_LISTENER = _Anywhere(
    (
        "addeventlistener",
        r"""addEventListener\s*\(\s*['"](?:submit|change|blur|input|keyup|keydown|click)['"]""",
        _I,
    ),
    (".on", r"\.on(?:submit|change|blur|input|keyup|click)\s*=", _I),
    *((f".{name}", rf"\.{name}\s*\(", _I) for name in ("submit", "change", "blur", "keyup")),
)
_EXFIL = _Anywhere(
    ("fetch", r"\bfetch\s*\(", _I),
    ("sendbeacon", r"sendBeacon\s*\(", _I),
    ("xmlhttprequest", r"XMLHttpRequest", _I),
    (".open", r"""\.open\s*\(\s*['"](?:POST|GET)['"]""", _I),
    ("new", r"new\s+Image\s*\(", _I),
    ("websocket", r"\bWebSocket\s*\(", _I),
    ("$", r"\$\s*\.\s*(?:ajax|post|get)\s*\(", _I),
)
_FORM_READ = _Anywhere(
    (".value", r"\.value\b", _I),
    ("formdata", r"FormData\s*\(", _I),
    ("serialize", r"serialize\s*\(", _I),
    ("queryselectorall", r"""querySelectorAll\s*\(\s*['"]input""", _I),
)


def _joined(code: str) -> str:
    """String concatenations of literals joined ('ht'+'tps://x' → 'https://x')."""
    if "+" not in code:
        return code  # nothing to join (most scripts): _CONCAT needs a '+'
    previous = None
    text = code
    for _ in range(5):
        if text == previous:
            break
        previous = text
        text = _CONCAT.sub("", text)
    return text


MAX_CACHED_CHARS = 20_000
MAX_LARGE_RESULTS = 512
# Results for large scripts, by the script's digest (the script itself is not kept): a large
# inline bundle comes back unchanged on every check of the page and costs most to scan.
_large_results: dict[bytes, tuple[str, tuple[str, ...]]] = {}


def analyse(code: str) -> tuple[str, tuple[str, ...]]:
    """(shape, flags) of one inline script; results are cached (scripts come back on every
    check of the page): small scripts by their text, large ones by their digest."""
    if len(code) <= MAX_CACHED_CHARS:
        return _analyse_cached(code)
    digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).digest()
    result = _large_results.get(digest)
    if result is None:
        result = shape(code), tuple(script_flags(code))
        if len(_large_results) >= MAX_LARGE_RESULTS:
            _large_results.clear()  # crude but thread-safe bound: dict operations are atomic
        _large_results[digest] = result
    return result


@lru_cache(maxsize=4096)
def _analyse_cached(code: str) -> tuple[str, tuple[str, ...]]:
    return shape(code), tuple(script_flags(code))


def clear_caches() -> None:
    """Forget cached results (benchmarks measure the first check of a page)."""
    _analyse_cached.cache_clear()
    _large_results.clear()


def hosts_named(code: str) -> set[str]:
    return _hosts_in(_joined(code))


def _hosts_in(joined: str) -> set[str]:
    return {host.lower().strip("[]") for host in _HOST_IN_TEXT.findall(joined)}


_SPLIT_SCRIPT = re.compile(r"createElement\s*\(\s*['\"]scr['\"]\s*\+")


def script_flags(code: str) -> list[str]:
    """Suspicious patterns in one inline script (empty for ordinary code)."""
    text = code[:MAX_FLAG_SCAN_CHARS]
    folded = fold_case(text)
    joined = _joined(text)
    hosts = sorted(_hosts_in(joined))  # hosts_named(text), without joining again
    flags: list[str] = []

    def add(code_name: str, with_hosts: bool = False) -> None:
        if with_hosts and hosts:
            flags.extend(f"{code_name}@{host}" for host in hosts[:5])
        else:
            flags.append(code_name)

    # The split 'scr'+'ipt' form needs the case-sensitive word in the script.
    split_script = "createElement" in text and _SPLIT_SCRIPT.search(text) is not None
    if split_script or _CREATE_SCRIPT.search(
        joined, folded if joined is text else fold_case(joined)
    ):
        computed = False
        for match in _SRC_ASSIGN.finditer(text):
            value = (match.group(1) or match.group(2) or "").strip()
            if not _LITERAL_ONLY.match(value):
                computed = True
        if computed or split_script:
            flags.append("loader")
        elif hosts:
            add("loader_host", with_hosts=True)
    if _WRITE_SCRIPT.search(text, folded):
        flags.append("write_script")
    if _EVAL.search(text, folded):
        flags.append("encoded")
    if _REDIRECT.search(text, folded):
        if _REFERRER.search(text, folded):
            flags.append("cloaked_redirect")
        add("redirect", with_hosts=True)
    exfil = _EXFIL.search(text, folded)
    if (
        exfil
        and _PAYMENT_FIELD.search(text, folded)
        and (_LISTENER.search(text, folded) or _FORM_READ.search(text, folded))
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
