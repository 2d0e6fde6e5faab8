"""What hides an element from a visitor: its own attributes, or the page's own CSS rules.

No Django here. The fingerprint uses it for the visible text (attributes only) and for links
hidden from view (attributes and CSS), the usual shape of injected SEO spam.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mamori.monitoring.jsscan import fold_case

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)"
    r"|(?:^|[;\s])(?:width|height|font-size)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)"
    r"|(?:left|top|text-indent|margin-left)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
# For CSS classes: fade-in animations start with opacity 0 or visibility hidden and are shown by
# script, so only the shapes spam hiding takes count (none, off-screen, zero size); each shape is
# its own pattern, tried only where the words it needs occur (see _hiding_kind).
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_ZERO_SIZE = re.compile(
    r"(?:^|[;\s])(?:height|font-size|max-height)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)",
    re.IGNORECASE,
)
_OFF_SCREEN = re.compile(
    r"(?:left|top|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}", re.IGNORECASE
)
# Invisible-but-present (visibility, opacity) also hides spam, but scroll-in animations start
# that way; such rules count unless the class name reads like an animation.
_INVISIBLE = re.compile(r"visibility\s*:\s*hidden", re.IGNORECASE)
_TRANSPARENT = re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)", re.IGNORECASE)
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
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SIMPLE_SELECTOR_TOKEN = re.compile(r"([.#])([A-Za-z0-9_-]+)")


@dataclass
class CssHidden:
    """Classes and ids that the page's own top-level CSS rules hide from view."""

    classes: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    def hides(self, ident: str | None, names: str | None) -> bool:
        """Whether an element with this id and class attribute is hidden by the page's CSS."""
        if self.ids and ident in self.ids:
            return True
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


def _top_level_rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of rules outside @media/@supports blocks (those hide only
    sometimes); nested blocks are skipped by counting braces. The braces are found with
    str.find (a regex scan of a large style block costs more than the loop over its rules)."""
    css = _CSS_COMMENT.sub("", css)
    rules: list[tuple[str, str]] = []
    depth = 0
    selector_start = 0
    body_start = 0
    selector = ""
    skipping = False
    find = css.find
    opening = find("{")
    closing = find("}")
    while opening >= 0 or closing >= 0:
        if opening >= 0 and (closing < 0 or opening < closing):
            index = opening
            opening = find("{", index + 1)
            if depth == 0:
                # A statement ending in ';' before it (@import …;) is not part of the selector.
                # Looked for here rather than at every ';' (most are inside rules).
                selector_start = css.rfind(";", selector_start, index) + 1 or selector_start
                selector = css[selector_start:index].strip()
                skipping = selector.startswith("@")
                body_start = index + 1
            depth += 1
        else:
            index = closing
            closing = find("}", index + 1)
            depth -= 1
            if depth <= 0:
                depth = 0
                if not skipping:
                    rules.append((selector, css[body_start:index]))
                selector_start = index + 1
                skipping = False
    return rules


# Parts of the patterns' values; starting with ':' they are found at the speed of str.find.
_ZERO_OR_PIXEL = re.compile(r":\s*(?:0|1px)", re.IGNORECASE)
_NEGATIVE_OFFSET = re.compile(r":\s*-\d{3}")


def _hiding_kind(flat: str) -> str | None:
    """ "block" where a rule hides its element (display none, zero size, off screen), "fade"
    where it only makes it invisible, else None. A pattern is tried only where the words each
    of its matches holds occur (str searches cost far less than the patterns, which are tried
    position by position); most rules hold none."""
    text = fold_case(flat)
    if (
        ("none" in text and "display" in text and _DISPLAY_NONE.search(flat))
        or (
            ("height" in text or "font-size" in text)
            and _ZERO_OR_PIXEL.search(flat)
            and _ZERO_SIZE.search(flat)
        )
        or (
            ("left" in text or "top" in text or "indent" in text)
            and _NEGATIVE_OFFSET.search(flat)
            and _OFF_SCREEN.search(flat)
        )
    ):
        return "block"
    if ("hidden" in text and "visibility" in text and _INVISIBLE.search(flat)) or (
        "opacity" in text and _TRANSPARENT.search(flat)
    ):
        return "fade"
    return None


def css_hidden(css_texts: Sequence[str]) -> CssHidden:
    classes: set[str] = set()
    ids: set[str] = set()
    for css in css_texts:
        for selector, body in _top_level_rules(css):
            hiding = _hiding_kind(body.replace("\n", " "))
            if hiding is None:
                continue
            fading = hiding == "fade"
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
    return CssHidden(frozenset(classes), frozenset(ids))


HIDING_ATTRIBUTES = frozenset({"hidden", "type", "style", "width", "height"})
_TINY_SIZES = frozenset({"0", "1", "0px", "1px"})


def inline_hidden(attrs: dict[str, str], styles: dict[str, bool]) -> bool:
    """Hidden by the element's own attributes (hidden, type=hidden, style, 0/1-pixel size)."""
    if attrs.keys().isdisjoint(HIDING_ATTRIBUTES):
        return False
    if "hidden" in attrs:
        return True
    kind = attrs.get("type")
    if kind is not None and kind.lower() == "hidden":
        return True
    style = attrs.get("style")
    if style:
        hidden = styles.get(style)
        if hidden is None:  # pages repeat the same few style attributes: one search each
            hidden = styles[style] = _HIDDEN_STYLE.search(style) is not None
        if hidden:
            return True
    width, height = attrs.get("width"), attrs.get("height")
    return (width is not None and width.strip() in _TINY_SIZES) or (
        height is not None and height.strip() in _TINY_SIZES
    )
