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
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import lxml.etree
from lxml.cssselect import CSSSelector

from mamori.monitoring import jsscan
from mamori.monitoring.hiding import HIDING_ATTRIBUTES, CssHidden, css_hidden, inline_hidden
from mamori.monitoring.software import detect as detect_software
from mamori.monitoring.urlparts import PageUrls

FORMAT_VERSION = 2
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

_ALT_OPEN, _ALT_CLOSE = "\x05", "\x06"
_ALT_SEGMENT = re.compile("\x05[^\x06]*\x06")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>")
_REFRESH_URL = re.compile(r"""^\s*\d*\s*[;,]?\s*(?:url\s*=\s*)?['"]?([^'"]*)['"]?\s*$""", re.I)
# Numbers and long hex runs (nonces, timestamps, cache busters) change on every load of many
# pages; they are masked before inline scripts are hashed so routine churn is not reported.
# What r"[0-9a-fA-F]{8,}|\d+" finds, written to start with one character class so the engine
# skips to the next candidate instead of trying both branches at every position (1.4x faster).
_VOLATILE_TOKENS = re.compile(r"[0-9a-fA-F\d](?:(?<=[0-9a-fA-F])[0-9a-fA-F]{7,}|(?<=\d)\d*)")
_WHITESPACE = re.compile(r"\s+")
# Regions whose text rotates by design (banners, sliders, tickers, ad slots): changes there are
# routine. Matched against class and id words.
_SOFT_REGION = re.compile(
    r"(?:^|[\s_-])(?:banners?|carousel|slider|slides?|slideshow|swiper|slick|rotat\w*|ticker|marquee"
    r"|ads?|adslot|advert\w*|adsbygoogle|promo|splide|glide|owl-carousel|bxslider|hero"
    r"|mainvisual|main-visual|keyvisual|key-visual|kv|mv|campaign)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Elements that can hold a rotating region (inline elements and the page's own frame cannot).
_REGION_TAGS = (BLOCK_TAGS | {"a", "ins", "span", "figure", "picture"}) - {
    "html", "body", "main", "br", "hr", "title", "option",
}  # fmt: skip
_LINK_MARK, _SOFT_OPEN, _SOFT_CLOSE = "\x01", "\x03", "\x04"


def _drop_marks(text: str) -> str:
    """The text without the walk's marks (str.translate looks up every character: slower)."""
    return (
        text.replace(_LINK_MARK, "")
        .replace(_SOFT_OPEN, "")
        .replace(_SOFT_CLOSE, "")
        .replace(_ALT_OPEN, "")
        .replace(_ALT_CLOSE, "")
    )


MAX_LINE_HASHES = 2000
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
    styles: tuple[str, ...] = ()
    handlers: dict[str, str] = field(default_factory=dict)
    js_urls: tuple[str, ...] = ()
    base_hrefs: tuple[str, ...] = ()
    inline_shapes: dict[str, str] = field(default_factory=dict)
    inline_flags: dict[str, list[str]] = field(default_factory=dict)
    soft_lines: tuple[str, ...] = ()
    link_lines: tuple[str, ...] = ()
    software: tuple[str, ...] = ()
    text: str = ""
    truncated: bool = False
    errors: tuple[str, ...] = ()
    # 1: before stylesheets, handlers, javascript: URLs, base, script shapes/flags, soft and
    # link lines and software were recorded. Stored baselines of version 1 lack them.
    version: int = 1

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
        values.setdefault("version", 1)
        return cls(**values)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


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


def _parse(data: bytes, encoding: str) -> lxml.etree._Element | None:
    try:
        text = data.decode(encoding)
        valid = True
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        valid = False
    # lxml refuses str input that still carries an XML encoding declaration.
    declared = _XML_DECLARATION.match(text)
    if declared:
        text = text[declared.end() :]
    if not text or text.isspace():
        return None
    # Valid UTF-8 is given to the parser as it came: the same tree as from the decoded text,
    # without lxml encoding the text back to UTF-8 (a BOM or a NUL byte takes the text way).
    as_bytes = (
        valid
        and encoding == "utf-8"
        and not declared
        and not data.startswith(codecs.BOM_UTF8)
        and b"\0" not in data
    )
    # Plain lxml elements: lxml.html's element classes cost a Python lookup per element visited.
    parser = lxml.etree.HTMLParser(
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        huge_tree=False,
        encoding="utf-8" if as_bytes else None,
    )
    try:
        return lxml.etree.fromstring(data if as_bytes else text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def line_hash(line: str) -> str:
    """Short hash of one line of visible text (for the soft and link line sets)."""
    return sha256(line)[:12]


_css_results: dict[str, CssHidden] = {}
MAX_CSS_RESULTS = 512  # also the bound of the large-script digests


_NO_CSS = css_hidden([])


def _css_hidden_cached(css_texts: list[str]) -> CssHidden:
    """css_hidden, remembered by a digest of the page's style blocks (they rarely change
    between checks and reading every rule costs more than the rest of a small page)."""
    if not css_texts:
        return _NO_CSS
    key = sha256("\x00".join(css_texts))
    result = _css_results.get(key)
    if result is None:
        result = css_hidden(css_texts)
        if len(_css_results) >= MAX_CSS_RESULTS:
            _css_results.clear()  # crude but thread-safe bound: dict operations are atomic
        _css_results[key] = result
    return result


_large_digests: dict[bytes, str] = {}


def _inline_digest(body: str) -> str:
    """Hash of an inline script with volatile tokens masked; remembered, as the same scripts
    come back on every check (small ones by their text, large ones by their plain digest)."""
    if len(body) <= jsscan.MAX_CACHED_CHARS:
        return _small_inline_digest(body)
    key = hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest()
    digest = _large_digests.get(key)
    if digest is None:
        digest = _masked_digest(body)
        if len(_large_digests) >= MAX_CSS_RESULTS:
            _large_digests.clear()  # crude but thread-safe bound: dict operations are atomic
        _large_digests[key] = digest
    return digest


@lru_cache(maxsize=4096)
def _small_inline_digest(body: str) -> str:
    return _masked_digest(body)


# Byte tables for _masked_digest: hex digits as "h" (everything else "."), digits as "0".
_HEX_KINDS = bytes(ord("h") if chr(i) in "0123456789abcdefABCDEF" else ord(".") for i in range(256))
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NOT_HEX_KIND = re.compile(rb"[^h]")


def _masked_digest(body: str) -> str:
    """``sha256(_VOLATILE_TOKENS.sub("0", body))``. For ASCII text (most scripts) the same bytes
    are made with byte operations, several times faster than the pattern, which is tried at
    every hex letter: every run of 8 or more hex digits is one "0"; in what is left every run
    of digits is one "0" (a digit next to a long hex run is part of it; each "0" put there has
    a non-hex character on both sides, so no two runs merge)."""
    if not body.isascii():  # \d also matches other scripts' digits: the pattern decides
        return sha256(_VOLATILE_TOKENS.sub("0", body))
    data = body.encode("ascii")
    kinds = data.translate(_HEX_KINDS)
    start = kinds.find(b"hhhhhhhh")
    if start >= 0:
        pieces: list[bytes] = []
        at = 0
        while start >= 0:
            pieces.append(data[at:start])
            pieces.append(b"0")
            after = _NOT_HEX_KIND.search(kinds, start + 8)
            at = after.start() if after else len(data)
            start = kinds.find(b"hhhhhhhh", at)
        pieces.append(data[at:])
        data = b"".join(pieces)
    data = data.translate(_DIGITS_AS_ZERO)
    while b"00" in data:
        data = data.replace(b"00", b"0")
    return hashlib.sha256(data).hexdigest()


def clear_caches() -> None:
    """Forget cached results (benchmarks measure the first check of a page)."""
    _css_results.clear()
    _large_digests.clear()
    _small_inline_digest.cache_clear()
    _is_soft.cache_clear()


class _Collector:
    """Capped, de-duplicated, ordered collection of strings."""

    __slots__ = ("items", "cap", "dropped")

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


_JS_URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"}
)
# Common attributes that are neither event handlers nor URL attributes (the parser gives
# attribute names in lower case): _attributes passes over them without a look at their values.
_PLAIN_ATTRIBUTES = frozenset(
    {"class", "id", "title", "rel", "type", "style", "content", "dir", "name", "alt", "target",
     "width", "height", "value", "property", "itemprop", "aria-label", "role", "sizes", "viewbox",
     "d", "media", "srcset", "xmlns", "data-srcset", "data-src", "for", "itemscope", "itemtype",
     "fill", "datetime", "aria-hidden", "method", "placeholder", "async", "lang", "border",
     "charset", "loading", "decoding", "tabindex", "aria-expanded", "aria-controls", "colspan",
     "integrity", "crossorigin", "defer", "hreflang", "label", "stroke", "x", "y"}
)  # fmt: skip
_STRUCTURE_TAGS = frozenset(
    {"script", "link", "iframe", "frame", "embed", "object", "form", "a", "area", "meta",
     "button", "input"}
)  # fmt: skip
# Hidden-link roots: elements whose hiding hides content (not inputs or the page's head parts).
_NOT_HIDING_ROOTS = frozenset({"input", "script", "style", "head", "meta", "link"})
_NO_ATTRIBUTES: dict[str, str] = {}
# Walk states, one per open element.
_SKIPPED = 1  # its subtree is not visible text (its tail is)
_INSIDE_SKIPPED = 2  # inside such a subtree, or after the text cap
_BLOCK = 4
_SOFT = 8
_HIDING = 16  # hidden from view: the links below it are hidden links


class _Page:
    """One walk over a parsed page collecting the structure and the marked visible text.

    Structure covers every element, ignored regions included (a script cannot hide in one);
    the text leaves out non-text parts, hidden elements and the ignored regions (their tail
    text stays, as it is outside the region). The tree must come from ``_parse`` (no comments).
    """

    def __init__(self, root: Any, page_url: str, ignored: Sequence[Any] = ()) -> None:
        self.root = root
        self.base = page_url
        self.found = {
            name: _Collector()
            for name in (
                "scripts", "inline", "frames", "forms", "hosts", "refresh", "hidden", "styles",
                "js_urls", "base", "generators",
            )
        }  # fmt: skip
        self.previews: dict[str, str] = {}
        self.shapes: dict[str, str] = {}
        self.flags: dict[str, list[str]] = {}
        self.handlers: dict[str, str] = {}
        self.capped = False
        self.ignored = set(ignored)
        # Per-page caches: a page repeats the same styles and classes many times.
        self._styles: dict[str, bool] = {}
        self._classes: dict[str, bool] = {}
        self._handler_shapes: dict[str, str] = {}
        for base_element in root.iter("base"):
            href = base_element.get("href")
            if href:
                self.base = urljoin(page_url, href.strip())
                self.found["base"].add(self.base)
            break
        self.urls = PageUrls(self.base)
        self.absolute = self.urls.absolute
        css_texts: list[str] = []
        for style in root.iter("style"):
            css = style.text or ""
            if css:
                css_texts.append(css)
                imports, fonts = jsscan.url_hosts_in_css(css)
                for url in (*imports, *fonts):
                    self.found["styles"].add(self.absolute(url))
        self.css = _css_hidden_cached(css_texts)
        self.marked = self._walk()

    def _title(self) -> str | None:
        for title in self.root.iterdescendants("title"):
            if self.ignored and any(
                element in self.ignored for element in (title, *title.iterancestors())
            ):
                continue
            return title.text
        return None

    def _walk(self) -> str:
        """The one pass: structure of every element, marked text of the visible ones."""
        pieces: list[str] = []
        append = pieces.append
        title = self._title()
        if title:
            append(_WHITESPACE.sub(" ", title))
            append("\n")
        found = self.found
        hidden_links = found["hidden"]
        ignored = self.ignored
        styles = self._styles
        css = self.css
        css_ids = css.ids
        classes_hidden = self._classes
        attributes = self._attributes
        structure = self._element
        absolute = self.absolute
        tag_names: dict[Any, str] = {}  # the parser's tag → its lower-case name
        states: list[int] = []
        pop, push = states.pop, states.append
        depth = -1
        count = 0
        capped = False
        open_hiding = 0  # open elements hidden from view
        skipping = False  # inside a subtree the text leaves out
        size = 0
        text_on = True  # until the text cap
        for event, element in lxml.etree.iterwalk(self.root, events=("start", "end")):
            if event == "end":
                state = pop()
                if state:  # most elements have none: straight to the tail
                    if state & _HIDING:
                        open_hiding -= 1
                    if state & _INSIDE_SKIPPED:
                        depth -= 1
                        continue
                    if state & _SKIPPED:
                        skipping = False
                    if text_on:
                        if state & _BLOCK:
                            append("\n")
                        if state & _SOFT:
                            append(_SOFT_CLOSE)
                if text_on and depth > 0:
                    tail = element.tail
                    if tail:
                        append(tail.replace("\n", " "))
                        size += len(tail)
                        text_on = size < MAX_TEXT_CHARS
                depth -= 1
                continue
            depth += 1
            count += 1
            tag = tag_names.get(element.tag)
            if tag is None:
                raw = element.tag
                tag = tag_names[raw] = raw.lower() if isinstance(raw, str) else ""
            items = element.items()
            if items:
                attrs = dict(items)
                hidden = not attrs.keys().isdisjoint(HIDING_ATTRIBUTES) and inline_hidden(
                    attrs, styles
                )
            else:
                attrs = _NO_ATTRIBUTES
                hidden = False
            state = 0
            if not capped:
                if count > MAX_ELEMENTS:
                    capped = self.capped = True
                else:
                    if items:
                        attributes(tag, items)
                    if tag in _STRUCTURE_TAGS:
                        structure(tag, element, attrs)
                    if items and tag not in _NOT_HIDING_ROOTS:
                        # Hidden by its own attributes or by the page's CSS (by id or class).
                        hides = hidden or (css_ids and attrs.get("id") in css_ids)
                        if not hides:
                            names = attrs.get("class")
                            if names:
                                hides = classes_hidden.get(names)
                                if hides is None:
                                    hides = classes_hidden[names] = css.hides(None, names)
                        if hides:
                            state = _HIDING
                            open_hiding += 1
                    if open_hiding and (tag == "a" or tag == "area"):
                        hidden_links.add(absolute(attrs.get("href")))
            if skipping or not text_on:
                push(state | _INSIDE_SKIPPED)
                continue
            if (
                not tag
                or tag in NON_TEXT_TAGS
                or depth > MAX_DEPTH
                or hidden
                or (ignored and element in ignored)
            ):
                skipping = True
                push(state | _SKIPPED)
                continue
            if tag in BLOCK_TAGS:
                append("\n")
                state |= _BLOCK
            if items:
                if tag in _REGION_TAGS:
                    names = attrs.get("class")
                    ident = attrs.get("id")
                    if (names or ident) and _is_soft(names, ident):
                        state |= _SOFT
                        append(_SOFT_OPEN)
                if (tag == "a" or tag == "area") and attrs.get("href"):
                    append(_LINK_MARK)
                elif tag == "img" and attrs.get("alt"):
                    alt = _WHITESPACE.sub(" ", attrs["alt"])
                    append(f" {_ALT_OPEN}{alt}{_ALT_CLOSE} ")
            text = element.text
            if text:
                # Source line breaks are just spaces to a browser; only blocks start new lines.
                append(text.replace("\n", " "))
                size += len(text)
                text_on = size < MAX_TEXT_CHARS
            push(state)
        return "".join(pieces)

    def _attributes(self, tag: str, items: list[tuple[str, str]]) -> None:
        """Event handlers and javascript: URLs in any element's attributes."""
        handlers = self.handlers
        for name, value in items:
            if name in _PLAIN_ATTRIBUTES:
                continue
            lowered = name.lower()
            if lowered.startswith("on") and len(handlers) < MAX_URLS_PER_KIND:
                code = " ".join(value.split())
                shape = self._handler_shapes.get(code)
                if shape is None:
                    shape = self._handler_shapes[code] = jsscan.shape(code)
                key = f"{tag}[{lowered}]:{shape}"
                handlers.setdefault(key, f'<{tag} {lowered}="{code[:INLINE_PREVIEW_CHARS]}">')
            elif lowered in _JS_URL_ATTRIBUTES:
                text = value.strip()
                if text[:11].lower().startswith(("javascript:", "vbscript:")) or (
                    lowered == "srcdoc" and "<script" in text.lower()
                ):
                    if not jsscan.is_harmless_js_url(text):
                        self.found["js_urls"].add(f"{tag}[{lowered}]={text[:INLINE_PREVIEW_CHARS]}")

    def _element(self, tag: str, element: Any, attrs: dict[str, str]) -> None:
        """What the elements a defacement plants or redirects contribute to the structure."""
        found = self.found
        if tag == "a" or tag == "area":
            found["hosts"].add(self.urls.link_host(attrs.get("href")))
        elif tag == "script":
            src = attrs.get("src")
            if src is not None and src.strip():
                found["scripts"].add(self.absolute(src))
            elif attrs.get("type", "").strip().lower() in EXECUTABLE_SCRIPT_TYPES:
                body = " ".join((element.text or "").split())
                if body:
                    digest = _inline_digest(body)
                    found["inline"].add(digest)
                    if digest not in self.shapes:
                        self.previews[digest] = body[:INLINE_PREVIEW_CHARS]
                        self.shapes[digest], script_flags = jsscan.analyse(body)
                        if script_flags:
                            self.flags[digest] = list(script_flags)
        elif tag == "link":
            rel = attrs.get("rel", "").lower().split()
            kind = attrs.get("as", "").lower()
            if "stylesheet" in rel or (
                ("preload" in rel or "prefetch" in rel) and kind in ("style", "font")
            ):
                found["styles"].add(self.absolute(attrs.get("href")))
            elif ("preload" in rel and kind == "script") or "modulepreload" in rel:
                found["scripts"].add(self.absolute(attrs.get("href")))
        elif tag in ("iframe", "frame", "embed"):
            found["frames"].add(self.absolute(attrs.get("src")))
        elif tag == "object":
            found["frames"].add(self.absolute(attrs.get("data")))
        elif tag == "form":
            action = attrs.get("action")
            found["forms"].add(self.absolute(action if action and action.strip() else self.base))
        elif tag == "meta":
            equiv = attrs.get("http-equiv", "").strip().lower()
            if equiv == "refresh":
                match = _REFRESH_URL.match(attrs.get("content", ""))
                target = match.group(1).strip() if match else ""
                found["refresh"].add(self.absolute(target) if target else self.base)
            elif attrs.get("name", "").strip().lower() == "generator":
                found["generators"].add(attrs.get("content", "")[:100])
        elif attrs.get("formaction"):  # button, input
            found["forms"].add(self.absolute(attrs.get("formaction")))


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


# Every match of _SOFT_REGION holds one of these (in lower case, the letters re.IGNORECASE
# takes for ASCII ones made those): most class names hold none and skip the pattern, which is
# tried position by position.
_SOFT_WORDS = (
    "ad", "banner", "carousel", "slide", "swiper", "slick", "rotat", "ticker", "marquee", "promo",
    "splide", "glide", "hero", "visual", "kv", "mv", "campaign",
)  # fmt: skip
_SOFT_WORD = re.compile("|".join(_SOFT_WORDS))  # one search, not one per word


# A worker checking many pages meets many class names; the regex costs ~20 µs a call.
@lru_cache(maxsize=16384)
def _is_soft(names: str | None, ident: str | None) -> bool:
    text = f"{names or ''} {ident or ''}"
    lowered = jsscan.fold_case(text)
    if _SOFT_WORD.search(lowered) is None:
        return False
    return _SOFT_REGION.search(text) is not None


def _strip_marks(marked: str) -> tuple[str, set[str], set[str]]:
    """(text, hashes of lines inside rotating regions, hashes of lines holding link text)."""
    lines: list[str] = []
    soft: set[str] = set()
    links: set[str] = set()
    soft_depth = 0
    for raw in marked.split("\n"):
        if not raw or raw.isspace():
            continue  # no marks, no text: changes nothing
        opens = raw.count(_SOFT_OPEN)
        in_soft = soft_depth > 0 or opens > 0
        if opens or soft_depth:
            soft_depth = max(0, soft_depth + opens - raw.count(_SOFT_CLOSE))
        has_link = _LINK_MARK in raw
        if _ALT_OPEN in raw:
            # A line that is only image descriptions changes when a banner image rotates.
            if not _drop_marks(_ALT_SEGMENT.sub("", raw)).strip():
                in_soft = True
            raw = _drop_marks(raw)
        elif has_link or in_soft or _SOFT_CLOSE in raw:
            raw = _drop_marks(raw)
        line = " ".join(raw.split())  # whitespace runs collapsed, ends trimmed
        if not line:
            continue
        lines.append(line)
        if in_soft and len(soft) < MAX_LINE_HASHES:
            soft.add(line_hash(line))
        if has_link and len(links) < MAX_LINE_HASHES:
            links.add(line_hash(line))
    return "\n".join(lines)[:MAX_TEXT_CHARS], soft, links


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

    # Ignored regions are found on the page as served, then left out of the text by the walk.
    selectors, selector_errors = _compile_selectors(ignore_selectors)
    ignored: list[Any] = []
    for selector in selectors:
        try:
            ignored.extend(element for element in selector(root) if element is not root)
        except Exception as exc:  # some selectors compile but fail on evaluation
            selector_errors.append(f"selector failed: {type(exc).__name__}")
    page = _Page(root, page_url, ignored)
    found = page.found
    if page.capped:
        errors.append(f"more than {MAX_ELEMENTS} elements: the rest was not examined")
    dropped = sum(collector.dropped for collector in found.values())
    if dropped:
        errors.append(f"{dropped} URL(s) beyond the per-kind cap were not kept")
    errors.extend(selector_errors)
    text, soft, links = _strip_marks(page.marked)

    inline = found["inline"].sorted()
    handlers = page.handlers
    structure = {
        "scripts": found["scripts"].sorted(),
        "inline": inline,
        "frames": found["frames"].sorted(),
        "forms": found["forms"].sorted(),
        "hosts": found["hosts"].sorted(),
        "refresh": found["refresh"].sorted(),
        "hidden": found["hidden"].sorted(),
        "styles": found["styles"].sorted(),
        "handlers": tuple(sorted(handlers)),
        "js_urls": found["js_urls"].sorted(),
        "base": found["base"].sorted(),
    }
    structure_text = "\n".join(f"{key}={'|'.join(values)}" for key, values in structure.items())
    software = detect_software(
        found["generators"].items, [*structure["scripts"], *structure["styles"]]
    )
    return Fingerprint(
        raw_sha256=raw_hash,
        structure_sha256=sha256(structure_text),
        text_sha256=sha256(text),
        scripts=structure["scripts"],
        inline_scripts=inline,
        inline_previews={d: page.previews[d] for d in inline if d in page.previews},
        frames=structure["frames"],
        form_actions=structure["forms"],
        link_hosts=structure["hosts"],
        meta_refresh=structure["refresh"],
        hidden_links=structure["hidden"],
        styles=structure["styles"],
        handlers=handlers,
        js_urls=structure["js_urls"],
        base_hrefs=structure["base"],
        inline_shapes={d: page.shapes[d] for d in inline if d in page.shapes},
        inline_flags={d: page.flags[d] for d in inline if d in page.flags},
        soft_lines=tuple(sorted(soft)),
        link_lines=tuple(sorted(links)),
        software=tuple(component.encode() for component in software),
        version=FORMAT_VERSION,
        text=text,
        truncated=truncated,
        errors=tuple(errors),
    )
