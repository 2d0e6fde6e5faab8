"""Page fingerprints: what a defacement changes, extracted from HTML bytes.

Three views of one page: the raw hash (anything changed), the structure (script sources and
inline-script hashes, frames, form targets, link hosts, meta refresh, links hidden from view) and
the normalised visible text (with regions the owner marks as changing on their own removed).
Structure is taken before ignored regions are removed: a script cannot hide in an ignored region.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

MAX_HTML_BYTES = 5_000_000
MAX_ELEMENTS = 200_000
MAX_DEPTH = 256
MAX_TEXT_CHARS = 1_000_000
MAX_URLS_PER_KIND = 500
MAX_SELECTORS = 50
MAX_SELECTOR_CHARS = 500
INLINE_PREVIEW_CHARS = 160

EXECUTABLE_SCRIPT_TYPES = {
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/ecmascript",
    "text/jscript",
}
NON_TEXT_TAGS = {"script", "style", "noscript", "template", "head", "svg", "math", "iframe"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "td", "th", "tr", "ul", "title", "body", "html", "option", "caption",
}  # fmt: skip

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)"
    r"|(?:^|[;\s])(?:width|height|font-size)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)"
    r"|(?:left|top|text-indent|margin-left)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_REFRESH_URL = re.compile(r"""^\s*\d*\s*[;,]?\s*(?:url\s*=\s*)?['"]?([^'"]*)['"]?\s*$""", re.I)
# Numbers and long hex runs (nonces, timestamps, cache busters) change on every load of many
# pages; they are masked before inline scripts are hashed so routine churn is not reported.
_VOLATILE_TOKENS = re.compile(r"[0-9a-fA-F]{8,}|\d+")
_WHITESPACE = re.compile(r"\s+")
_CHARSET_ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932"}


@dataclass(frozen=True)
class Fingerprint:
    """The fingerprint of one fetch of a page; plain data, storable as JSON via to_dict()."""

    raw_sha256: str
    structure_sha256: str
    text_sha256: str
    scripts: tuple[str, ...] = ()
    inline_scripts: tuple[str, ...] = ()
    inline_previews: dict[str, str] = field(default_factory=dict)
    frames: tuple[str, ...] = ()
    form_actions: tuple[str, ...] = ()
    link_hosts: tuple[str, ...] = ()
    meta_refresh: tuple[str, ...] = ()
    hidden_links: tuple[str, ...] = ()
    text: str = ""
    truncated: bool = False
    errors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        known = {name for name in cls.__dataclass_fields__}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            values[key] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def url_host(url: str) -> str | None:
    """Lower-case ASCII host of an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


def detect_encoding(data: bytes, declared: str | None = None) -> str:
    """The encoding to decode a page with: BOM, HTTP charset, <meta charset>, UTF-8, else cp932."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return name
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for candidate in candidates:
        name = _CHARSET_ALIASES.get(candidate.strip().lower(), candidate.strip().lower())
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp932"  # the usual undeclared legacy encoding of Japanese pages
    return "utf-8"


def _parse(data: bytes, encoding: str) -> lxml.html.HtmlElement | None:
    text = data.decode(encoding, errors="replace")
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, huge_tree=False
    )
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def _is_hidden(element: lxml.html.HtmlElement) -> bool:
    if element.get("hidden") is not None:
        return True
    if str(element.get("type", "")).lower() == "hidden":
        return True
    style = element.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    width, height = element.get("width"), element.get("height")
    return (width is not None and width.strip() in ("0", "1", "0px", "1px")) or (
        height is not None and height.strip() in ("0", "1", "0px", "1px")
    )


def _absolute(base: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    lowered = value.lower()
    if lowered.startswith(("data:", "javascript:", "vbscript:", "blob:")):
        # Kept as written (shortened): there is no host, but it is worth seeing.
        return value[:100]
    try:
        return urljoin(base, value)
    except ValueError:
        return value[:200]


class _Collector:
    """Capped, de-duplicated, ordered collection of strings."""

    def __init__(self, cap: int = MAX_URLS_PER_KIND) -> None:
        self.items: dict[str, None] = {}
        self.cap = cap
        self.dropped = 0

    def add(self, value: str | None) -> None:
        if value is None:
            return
        if len(self.items) >= self.cap and value not in self.items:
            self.dropped += 1
            return
        self.items[value] = None

    def sorted(self) -> tuple[str, ...]:
        return tuple(sorted(self.items))


def _structure(
    root: lxml.html.HtmlElement, page_url: str
) -> tuple[dict[str, _Collector], dict[str, str], bool]:
    base = page_url
    for base_element in root.iter("base"):
        href = base_element.get("href")
        if href:
            base = urljoin(page_url, href.strip())
        break
    found = {
        name: _Collector()
        for name in ("scripts", "inline", "frames", "forms", "hosts", "refresh", "hidden")
    }
    previews: dict[str, str] = {}
    hidden_roots: list[lxml.html.HtmlElement] = []
    count = 0
    capped = False
    for element in root.iter():
        count += 1
        if count > MAX_ELEMENTS:
            capped = True
            break
        tag = element.tag
        if not isinstance(tag, str):
            continue
        tag = tag.lower()
        if tag == "script":
            src = element.get("src")
            if src is not None and src.strip():
                found["scripts"].add(_absolute(base, src))
            elif str(element.get("type", "")).strip().lower() in EXECUTABLE_SCRIPT_TYPES:
                body = _WHITESPACE.sub(" ", element.text or "").strip()
                if body:
                    digest = sha256(_VOLATILE_TOKENS.sub("0", body))
                    found["inline"].add(digest)
                    previews.setdefault(digest, body[:INLINE_PREVIEW_CHARS])
        elif tag in ("iframe", "frame", "embed"):
            found["frames"].add(_absolute(base, element.get("src")))
        elif tag == "object":
            found["frames"].add(_absolute(base, element.get("data")))
        elif tag == "form":
            action = element.get("action")
            found["forms"].add(_absolute(base, action if action and action.strip() else base))
        elif tag in ("a", "area"):
            target = _absolute(base, element.get("href"))
            host = url_host(target) if target else None
            found["hosts"].add(host)
        elif tag == "meta" and str(element.get("http-equiv", "")).strip().lower() == "refresh":
            match = _REFRESH_URL.match(str(element.get("content", "")))
            target = match.group(1).strip() if match else ""
            found["refresh"].add(_absolute(base, target) if target else base)
        elif tag in ("button", "input") and element.get("formaction"):
            found["forms"].add(_absolute(base, element.get("formaction")))
        if tag not in ("input", "script", "style", "head", "meta", "link") and _is_hidden(element):
            hidden_roots.append(element)
    for hidden in hidden_roots:
        for link in hidden.iter("a", "area"):
            found["hidden"].add(_absolute(base, link.get("href")))
    return found, previews, capped


def _compile_selectors(selectors: Iterable[str]) -> tuple[list[CSSSelector], list[str]]:
    compiled: list[CSSSelector] = []
    errors: list[str] = []
    for selector in list(selectors)[:MAX_SELECTORS]:
        text = str(selector).strip()
        if not text:
            continue
        if len(text) > MAX_SELECTOR_CHARS:
            errors.append(f"ignored selector too long: {text[:40]}…")
            continue
        try:
            compiled.append(CSSSelector(text))
        except Exception as exc:  # cssselect raises several unrelated types on bad input
            errors.append(f"bad selector {text!r}: {type(exc).__name__}")
    return compiled, errors


def visible_text(root: lxml.html.HtmlElement) -> str:
    """Text a visitor sees, one block per line, whitespace collapsed (no recursion)."""
    pieces: list[str] = []
    size = 0
    title = root.find(".//title")
    if title is not None and title.text:
        pieces.append(_WHITESPACE.sub(" ", title.text))
        pieces.append("\n")
    # Stack items: ("open", element, depth), ("close", element, depth) or ("tail", element, 0).
    stack: list[tuple[str, Any, int]] = [("open", root, 0)]
    while stack and size < MAX_TEXT_CHARS:
        kind, element, depth = stack.pop()
        if kind == "tail":
            if element.tail:
                pieces.append(_WHITESPACE.sub(" ", element.tail))
                size += len(element.tail)
            continue
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if kind == "close":
            if tag in BLOCK_TAGS:
                pieces.append("\n")
            continue
        if depth > 0:
            stack.append(("tail", element, 0))
        if not tag or tag in NON_TEXT_TAGS or depth > MAX_DEPTH or _is_hidden(element):
            continue
        if tag in BLOCK_TAGS:
            pieces.append("\n")
        if tag == "img" and element.get("alt"):
            pieces.append(" " + _WHITESPACE.sub(" ", str(element.get("alt"))) + " ")
        if element.text:
            # Source line breaks are just spaces to a browser; only blocks start new lines.
            pieces.append(_WHITESPACE.sub(" ", element.text))
            size += len(element.text)
        stack.append(("close", element, depth))
        for child in reversed(element):
            stack.append(("open", child, depth + 1))
    lines = (_WHITESPACE.sub(" ", line).strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT_CHARS]


def fingerprint(
    html: bytes,
    *,
    page_url: str = "",
    ignore_selectors: Sequence[str] = (),
    encoding: str | None = None,
    max_bytes: int = MAX_HTML_BYTES,
) -> Fingerprint:
    """Fingerprint HTML bytes. Never raises on bad input: problems are listed in ``errors``."""
    raw_hash = sha256(html)
    truncated = len(html) > max_bytes
    data = html[:max_bytes]
    errors: list[str] = []
    try:
        root = _parse(data, detect_encoding(data, encoding))
    except Exception as exc:  # a parser must not take the worker down
        root = None
        errors.append(f"unparsable HTML: {type(exc).__name__}")
    if root is None:
        if not errors:
            errors.append("empty or unparsable HTML")
        return Fingerprint(
            raw_sha256=raw_hash,
            structure_sha256=sha256(""),
            text_sha256=sha256(""),
            truncated=truncated,
            errors=tuple(errors),
        )

    found, previews, capped = _structure(root, page_url)
    if capped:
        errors.append(f"more than {MAX_ELEMENTS} elements: the rest was not examined")
    dropped = sum(collector.dropped for collector in found.values())
    if dropped:
        errors.append(f"{dropped} URL(s) beyond the per-kind cap were not kept")

    selectors, selector_errors = _compile_selectors(ignore_selectors)
    errors.extend(selector_errors)
    for selector in selectors:
        try:
            matched = selector(root)
        except Exception as exc:  # some selectors compile but fail on evaluation
            errors.append(f"selector failed: {type(exc).__name__}")
            continue
        for element in matched:
            if element.getparent() is not None:
                element.drop_tree()  # keeps the tail text, which is outside the region
    text = visible_text(root)

    inline = found["inline"].sorted()
    structure = {
        "scripts": found["scripts"].sorted(),
        "inline": inline,
        "frames": found["frames"].sorted(),
        "forms": found["forms"].sorted(),
        "hosts": found["hosts"].sorted(),
        "refresh": found["refresh"].sorted(),
        "hidden": found["hidden"].sorted(),
    }
    structure_text = "\n".join(f"{key}={'|'.join(values)}" for key, values in structure.items())
    return Fingerprint(
        raw_sha256=raw_hash,
        structure_sha256=sha256(structure_text),
        text_sha256=sha256(text),
        scripts=structure["scripts"],
        inline_scripts=inline,
        inline_previews={digest: previews[digest] for digest in inline if digest in previews},
        frames=structure["frames"],
        form_actions=structure["forms"],
        link_hosts=structure["hosts"],
        meta_refresh=structure["refresh"],
        hidden_links=structure["hidden"],
        text=text,
        truncated=truncated,
        errors=tuple(errors),
    )
