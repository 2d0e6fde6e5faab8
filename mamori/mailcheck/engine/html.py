"""HTML bodies → visible text, links with their visible text, and forms (stdlib HTMLParser)."""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIP_TAGS = frozenset({"script", "style", "head", "title"})
BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "td", "h1", "h2", "h3", "table"})


@dataclass
class Link:
    href: str
    text: str


@dataclass
class Form:
    action: str
    has_password: bool


@dataclass
class HtmlDigest:
    text: str = ""
    links: list[Link] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    links_dropped: int = 0
    images: int = 0
    alt_text: str = ""  # alt text of images (brand logos say "Amazon" there)


class _Digester(HTMLParser):
    def __init__(self, max_links: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_links = max_links
        self.digest = HtmlDigest()
        self._text: list[str] = []
        self._skip = 0
        self._anchor: tuple[str, list[str]] | None = None
        self._form: Form | None = None
        self._alts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self._skip += 1
            return
        if tag in BLOCK_TAGS:
            self._text.append("\n")
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "a" and "href" in values:
            self._close_anchor()
            self._anchor = (values["href"].strip(), [])
        elif tag == "area" and "href" in values:
            self._add_link(values["href"].strip(), values.get("alt", ""))
        elif tag == "form":
            self._form = Form(values.get("action", ""), False)
            self.digest.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            if values.get("type", "").lower() == "password":
                self._form.has_password = True
        elif tag == "input" and values.get("type", "").lower() == "password":
            # A password box outside any <form> is still a credential trap.
            self.digest.forms.append(Form("", True))
        elif tag in {"img", "iframe"} and values.get("src", "").lower().startswith("data:text"):
            self._add_link(values["src"], "")
        if tag == "img" and not self._skip:
            self.digest.images += 1
            alt = values.get("alt", "").strip()
            if alt:
                self._alts.append(alt)
                if self._anchor is not None:
                    self._anchor[1].append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "a":
            self._close_anchor()
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._text.append(data)
        if self._anchor is not None:
            self._anchor[1].append(data)

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            href, parts = self._anchor
            self._add_link(href, " ".join("".join(parts).split()))
            self._anchor = None

    def _add_link(self, href: str, text: str) -> None:
        if len(self.digest.links) >= self.max_links:
            self.digest.links_dropped += 1
            return
        self.digest.links.append(Link(href, text))

    def finish(self) -> HtmlDigest:
        self._close_anchor()
        self.digest.text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self._text))
        self.digest.alt_text = " ".join(self._alts)[:2000]
        return self.digest


def digest_html(markup: str, max_links: int) -> HtmlDigest:
    parser = _Digester(max_links)
    # HTMLParser is lenient; this is a last guard against what it still rejects.
    with contextlib.suppress(Exception):
        parser.feed(markup)
        parser.close()
    digest = parser.finish()
    if not digest.text and markup:
        # Fallback for markup the parser gave up on: drop tags crudely.
        digest.text = html.unescape(re.sub(r"<[^>]{0,2000}>", " ", markup))
    return digest
