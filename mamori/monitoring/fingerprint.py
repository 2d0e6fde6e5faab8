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
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from mamori.monitoring import jsscan
from mamori.monitoring.software import detect as detect_software

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

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)"
    r"|(?:^|[;\s])(?:width|height|font-size)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)"
    r"|(?:left|top|text-indent|margin-left)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
# For CSS classes: fade-in animations start with opacity 0 or visibility hidden and are shown by
# script, so only the shapes spam hiding takes count (none, off-screen, zero size).
_CSS_CLASS_HIDING = re.compile(
    r"display\s*:\s*none"
    r"|(?:^|[;\s])(?:height|font-size|max-height)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)"
    r"|(?:left|top|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
# Invisible-but-present (visibility, opacity) also hides spam, but scroll-in animations start
# that way; such rules count unless the class name reads like an animation.
_CSS_FADE_HIDING = re.compile(
    r"visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)", re.IGNORECASE
)
_ANIMATION_NAME = re.compile(
    r"wow|fade|anim|aos|reveal|appear|scroll|inview|lazy|slide|js-|invisible|is-hidden|loading",
    re.IGNORECASE,
)
_FRAMEWORK_HIDING = frozenset(
    {"d-none", "hidden", "hide", "display-none", "is-hidden", "u-hidden", "visually-hidden",
     "sr-only", "screen-reader-text", "offscreen", "off-screen", "hidden-text"}
)  # fmt: skip
_SHOWN_AGAIN = re.compile(
    r"d-(?:sm|md|lg|xl|xxl)-(?!none)|visible-|show-(?:sm|md|lg|pc)|pc-only|sp-only"
)
_ALT_OPEN, _ALT_CLOSE = "\x05", "\x06"
_ALT_SEGMENT = re.compile("\x05[^\x06]*\x06")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_REFRESH_URL = re.compile(r"""^\s*\d*\s*[;,]?\s*(?:url\s*=\s*)?['"]?([^'"]*)['"]?\s*$""", re.I)
# Numbers and long hex runs (nonces, timestamps, cache busters) change on every load of many
# pages; they are masked before inline scripts are hashed so routine churn is not reported.
_VOLATILE_TOKENS = re.compile(r"[0-9a-fA-F]{8,}|\d+")
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
_DROP_MARKS = str.maketrans("", "", "\x01\x03\x04\x05\x06")
MAX_LINE_HASHES = 2000
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SIMPLE_SELECTOR_TOKEN = re.compile(r"([.#])([A-Za-z0-9_-]+)")
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


def line_hash(line: str) -> str:
    """Short hash of one line of visible text (for the soft and link line sets)."""
    return sha256(line)[:12]


@dataclass
class _CssHidden:
    """Classes and ids that the page's own top-level CSS rules hide from view."""

    classes: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    def hides(self, element: lxml.html.HtmlElement) -> bool:
        if self.ids and element.get("id") in self.ids:
            return True
        names = element.get("class")
        if not names:
            return False
        words = names.split()
        if self.classes and not self.classes.isdisjoint(words):
            return True
        # Hiding classes of common CSS frameworks (their CSS is in a file the page links to),
        # unless a responsive class shows the element again on larger screens.
        return not _FRAMEWORK_HIDING.isdisjoint(words) and not any(
            ":" in word or _SHOWN_AGAIN.match(word) for word in words
        )


_CSS_PUNCTUATION = re.compile(r"[{};]")


def _top_level_rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of rules outside @media/@supports blocks (those hide only
    sometimes); nested blocks are skipped by counting braces."""
    css = _CSS_COMMENT.sub("", css)
    rules: list[tuple[str, str]] = []
    depth = 0
    selector_start = 0
    body_start = 0
    selector = ""
    skipping = False
    for match in _CSS_PUNCTUATION.finditer(css):
        char, index = match.group(0), match.start()
        if char == "{":
            if depth == 0:
                selector = css[selector_start:index].strip()
                skipping = selector.startswith("@")
                body_start = index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth <= 0:
                depth = 0
                if not skipping:
                    rules.append((selector, css[body_start:index]))
                selector_start = index + 1
                skipping = False
        elif depth == 0:
            selector_start = index + 1  # @import …; and other statements
    return rules


def css_hidden(css_texts: Sequence[str]) -> _CssHidden:
    classes: set[str] = set()
    ids: set[str] = set()
    for css in css_texts:
        for selector, body in _top_level_rules(css):
            flat = body.replace("\n", " ")
            fading = False
            if not _CSS_CLASS_HIDING.search(flat):
                if not _CSS_FADE_HIDING.search(flat):
                    continue
                fading = True
            for part in selector.split(","):
                last = part.strip().split()[-1] if part.strip() else ""
                if ":" in last or "[" in last:
                    continue  # :hover menus, attribute selectors: not a fixed hidden block
                for kind, name in _SIMPLE_SELECTOR_TOKEN.findall(last):
                    if fading and _ANIMATION_NAME.search(name):
                        continue
                    (classes if kind == "." else ids).add(name)
    # Screen-reader-only helpers hide a few words of navigation, not blocks of content.
    classes -= {"screen-reader-text", "sr-only", "visually-hidden", "skip-link", "hidden-xs"}
    return _CssHidden(frozenset(classes), frozenset(ids))


def _is_hidden(element: lxml.html.HtmlElement, css: _CssHidden | None = None) -> bool:
    if element.get("hidden") is not None:
        return True
    if str(element.get("type", "")).lower() == "hidden":
        return True
    style = element.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    width, height = element.get("width"), element.get("height")
    if (width is not None and width.strip() in ("0", "1", "0px", "1px")) or (
        height is not None and height.strip() in ("0", "1", "0px", "1px")
    ):
        return True
    return css is not None and css.hides(element)


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


_JS_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "srcdoc")


def _structure(
    root: lxml.html.HtmlElement, page_url: str
) -> tuple[dict[str, _Collector], dict[str, Any], bool]:
    base = page_url
    found = {
        name: _Collector()
        for name in (
            "scripts", "inline", "frames", "forms", "hosts", "refresh", "hidden", "styles",
            "js_urls", "base", "generators",
        )
    }  # fmt: skip
    for base_element in root.iter("base"):
        href = base_element.get("href")
        if href:
            base = urljoin(page_url, href.strip())
            found["base"].add(base)
        break
    extra: dict[str, Any] = {"previews": {}, "shapes": {}, "flags": {}, "handlers": {}}
    css_texts: list[str] = []
    for style in root.iter("style"):
        css = style.text or ""
        if css:
            css_texts.append(css)
            imports, fonts = jsscan.url_hosts_in_css(css)
            for url in (*imports, *fonts):
                found["styles"].add(_absolute(base, url))
    hidden_css = css_hidden(css_texts)
    hidden_roots: list[lxml.html.HtmlElement] = []
    previews, shapes, flags, handlers = (
        extra["previews"], extra["shapes"], extra["flags"], extra["handlers"],
    )  # fmt: skip
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
        if element.attrib:
            for name, value in element.items():
                lowered = name.lower()
                if lowered.startswith("on") and len(handlers) < MAX_URLS_PER_KIND:
                    code = _WHITESPACE.sub(" ", value).strip()
                    key = f"{tag}[{lowered}]:{jsscan.shape(code)}"
                    handlers.setdefault(key, f'<{tag} {lowered}="{code[:INLINE_PREVIEW_CHARS]}">')
                elif lowered in _JS_URL_ATTRIBUTES:
                    text = value.strip()
                    if text[:11].lower().startswith(("javascript:", "vbscript:")) or (
                        lowered == "srcdoc" and "<script" in text.lower()
                    ):
                        if not jsscan.is_harmless_js_url(text):
                            found["js_urls"].add(f"{tag}[{lowered}]={text[:INLINE_PREVIEW_CHARS]}")
        if tag == "script":
            src = element.get("src")
            if src is not None and src.strip():
                found["scripts"].add(_absolute(base, src))
            elif str(element.get("type", "")).strip().lower() in EXECUTABLE_SCRIPT_TYPES:
                body = _WHITESPACE.sub(" ", element.text or "").strip()
                if body:
                    digest = sha256(_VOLATILE_TOKENS.sub("0", body))
                    found["inline"].add(digest)
                    if digest not in shapes:
                        previews[digest] = body[:INLINE_PREVIEW_CHARS]
                        shapes[digest], script_flags = jsscan.analyse(body)
                        if script_flags:
                            flags[digest] = list(script_flags)
        elif tag == "link":
            rel = str(element.get("rel", "")).lower().split()
            kind = str(element.get("as", "")).lower()
            if "stylesheet" in rel or (
                ("preload" in rel or "prefetch" in rel) and kind in ("style", "font")
            ):
                found["styles"].add(_absolute(base, element.get("href")))
            elif ("preload" in rel and kind == "script") or "modulepreload" in rel:
                found["scripts"].add(_absolute(base, element.get("href")))
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
        elif tag == "meta":
            equiv = str(element.get("http-equiv", "")).strip().lower()
            if equiv == "refresh":
                match = _REFRESH_URL.match(str(element.get("content", "")))
                target = match.group(1).strip() if match else ""
                found["refresh"].add(_absolute(base, target) if target else base)
            elif str(element.get("name", "")).strip().lower() == "generator":
                found["generators"].add(str(element.get("content", ""))[:100])
        elif tag in ("button", "input") and element.get("formaction"):
            found["forms"].add(_absolute(base, element.get("formaction")))
        if tag not in ("input", "script", "style", "head", "meta", "link") and _is_hidden(
            element, hidden_css
        ):
            hidden_roots.append(element)
    for hidden in hidden_roots:
        for link in hidden.iter("a", "area"):
            found["hidden"].add(_absolute(base, link.get("href")))
    return found, extra, capped


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
    return _strip_marks(_marked_text(root))[0]


def _marked_text(root: lxml.html.HtmlElement) -> str:
    """Visible text with marks: link text starts with _LINK_MARK, rotating regions are wrapped
    in _SOFT_OPEN … _SOFT_CLOSE."""
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
            if depth < 0:
                pieces.append(_SOFT_CLOSE)
            continue
        if depth > 0:
            stack.append(("tail", element, 0))
        if not tag or tag in NON_TEXT_TAGS or abs(depth) > MAX_DEPTH or _is_hidden(element):
            continue
        if tag in BLOCK_TAGS:
            pieces.append("\n")
        soft = False
        if tag in _REGION_TAGS:
            names = element.get("class")
            ident = element.get("id")
            if (names or ident) and _is_soft(names, ident):
                soft = True
                pieces.append(_SOFT_OPEN)
        if tag in ("a", "area") and element.get("href"):
            pieces.append(_LINK_MARK)
        if tag == "img" and element.get("alt"):
            alt = _WHITESPACE.sub(" ", str(element.get("alt")))
            pieces.append(f" {_ALT_OPEN}{alt}{_ALT_CLOSE} ")
        if element.text:
            # Source line breaks are just spaces to a browser; only blocks start new lines.
            pieces.append(_WHITESPACE.sub(" ", element.text))
            size += len(element.text)
        child_depth = abs(depth) + 1
        stack.append(("close", element, -child_depth if soft else child_depth))
        for child in reversed(element):
            stack.append(("open", child, child_depth))
    return "".join(pieces)


@lru_cache(maxsize=4096)
def _is_soft(names: str | None, ident: str | None) -> bool:
    return _SOFT_REGION.search(f"{names or ''} {ident or ''}") is not None


def _strip_marks(marked: str) -> tuple[str, set[str], set[str]]:
    """(text, hashes of lines inside rotating regions, hashes of lines holding link text)."""
    lines: list[str] = []
    soft: set[str] = set()
    links: set[str] = set()
    soft_depth = 0
    for raw in marked.split("\n"):
        opens = raw.count(_SOFT_OPEN)
        in_soft = soft_depth > 0 or opens > 0
        if opens or soft_depth:
            soft_depth = max(0, soft_depth + opens - raw.count(_SOFT_CLOSE))
        has_link = _LINK_MARK in raw
        if _ALT_OPEN in raw:
            # A line that is only image descriptions changes when a banner image rotates.
            if not _ALT_SEGMENT.sub("", raw).translate(_DROP_MARKS).strip():
                in_soft = True
            raw = raw.translate(_DROP_MARKS)
        elif has_link or in_soft or _SOFT_CLOSE in raw:
            raw = raw.translate(_DROP_MARKS)
        line = _WHITESPACE.sub(" ", raw).strip()
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

    found, extra, capped = _structure(root, page_url)
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
    text, soft, links = _strip_marks(_marked_text(root))

    inline = found["inline"].sorted()
    handlers: dict[str, str] = extra["handlers"]
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
        inline_previews={d: extra["previews"][d] for d in inline if d in extra["previews"]},
        frames=structure["frames"],
        form_actions=structure["forms"],
        link_hosts=structure["hosts"],
        meta_refresh=structure["refresh"],
        hidden_links=structure["hidden"],
        styles=structure["styles"],
        handlers=handlers,
        js_urls=structure["js_urls"],
        base_hrefs=structure["base"],
        inline_shapes={d: extra["shapes"][d] for d in inline if d in extra["shapes"]},
        inline_flags={d: extra["flags"][d] for d in inline if d in extra["flags"]},
        soft_lines=tuple(sorted(soft)),
        link_lines=tuple(sorted(links)),
        software=tuple(component.encode() for component in software),
        version=FORMAT_VERSION,
        text=text,
        truncated=truncated,
        errors=tuple(errors),
    )
