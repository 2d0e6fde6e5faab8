"""The CMS, its version and its plugins and themes, read from a page (no Django here).

Sources, most reliable first: the generator meta element (``WordPress 6.4.2``, ``Drupal 10``,
``Joomla!``, ``EC-CUBE``…), then the versions WordPress writes on its own assets
(``/wp-includes/…?ver=6.4.2``, ``/wp-content/plugins/<slug>/…?ver=1.2``). Each item is a
``Component``: kind (cms, plugin, theme), name, version ("" when unknown).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from mamori.monitoring.urlparts import url_query

# generator text pattern → CMS name as the inventory shows it.
GENERATORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), name)
    for pattern, name in (
        (r"^wordpress\b", "WordPress"),
        (r"^drupal\b", "Drupal"),
        (r"^joomla", "Joomla!"),
        (r"^ec-?cube", "EC-CUBE"),
        (r"^movable\s*type", "Movable Type"),
        (r"^a-blog\s*cms", "a-blog cms"),
        (r"^concrete(?:5|\s*cms)?", "Concrete CMS"),
        (r"^typo3", "TYPO3"),
        (r"^modx", "MODX"),
        (r"^wix\.com", "Wix"),
        (r"^shopify", "Shopify"),
        (r"^ghost\b", "Ghost"),
        (r"^hugo\b", "Hugo"),
        (r"^jekyll\b", "Jekyll"),
        (r"^baser\s*cms", "baserCMS"),
        (r"^woocommerce\b", "WooCommerce"),
        (r"^elementor\b", "Elementor"),
    )
)
PLUGIN_GENERATORS = {"WooCommerce", "Elementor"}
_VERSION = re.compile(r"\b[vV]?(\d+(?:\.\d+){0,3}(?:[-.]?(?:rc|beta|alpha)\d*)?)\b")
_WP_ASSET = re.compile(r"/wp-(includes|content/plugins/([^/]+)|content/themes/([^/]+))/", re.I)
_WP_VERSION = re.compile(r"^\d\.\d(?:\.\d{1,2})?$")
_DRUPAL_ASSET = re.compile(r"/(?:core|misc)/[^?]*\.(?:js|css)$", re.I)
MAX_COMPONENTS = 50


@dataclass(frozen=True)
class Component:
    kind: str
    name: str
    version: str = ""

    def encode(self) -> str:
        return f"{self.kind}|{self.name}|{self.version}"

    @classmethod
    def decode(cls, text: str) -> Component:
        kind, _, rest = text.partition("|")
        name, _, version = rest.partition("|")
        return cls(kind, name, version)


# A query with nothing parse_qs decodes ('%', '+') or drops: read by splitting it.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.=&-]*")


def query_values(text: str) -> dict[str, list[str]]:
    """``parse_qs(text)`` (what an asset's version is read from: WordPress adds '?ver=' to
    every asset, and parse_qs costs more than the rest of reading its URL)."""
    if not _PLAIN_QUERY.fullmatch(text):
        return parse_qs(text)
    values: dict[str, list[str]] = {}
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value:
            values.setdefault(name, []).append(value)
    return values


def _ver(url: str) -> str:
    text = url_query(url)
    if not text:
        return ""
    query = query_values(text)
    for key in ("ver", "v", "version"):
        values = query.get(key)
        if values and re.fullmatch(r"\d+(?:\.\d+){0,3}", values[0]):
            return values[0]
    return ""


def _path(url: str) -> str:
    """The path of an absolute URL (the URL itself when relative or unparsable: a page's
    script may name any text, such as 'http://[::1/x.js')."""
    if "://" not in url:
        return url
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def detect(generators: Iterable[str], asset_urls: Iterable[str]) -> list[Component]:
    """Components named by generator texts and asset URLs, CMS first, de-duplicated."""
    found: dict[tuple[str, str], str] = {}

    def put(kind: str, name: str, version: str) -> None:
        key = (kind, name)
        if len(found) >= MAX_COMPONENTS and key not in found:
            return
        if version or key not in found:
            found[key] = version or found.get(key, "")

    for text in generators:
        text = text.strip()
        for pattern, name in GENERATORS:
            if pattern.search(text):
                match = _VERSION.search(text)
                put(
                    "plugin" if name in PLUGIN_GENERATORS else "cms",
                    name,
                    match.group(1) if match else "",
                )
                break
    wp_core: Counter[str] = Counter()
    is_wordpress = False
    is_drupal = False
    for url in asset_urls:
        match = _WP_ASSET.search(url)
        if match:
            is_wordpress = True
            version = _ver(url)
            if match.group(2):
                put("plugin", match.group(2).lower(), version)
            elif match.group(3):
                put("theme", match.group(3).lower(), version)
            elif version and _WP_VERSION.match(version) and "/js/jquery/" not in url:
                wp_core[version] += 1
        elif "drupal" in url.lower() and _DRUPAL_ASSET.search(_path(url)):
            is_drupal = True
    if is_wordpress and ("cms", "WordPress") not in found:
        put("cms", "WordPress", wp_core.most_common(1)[0][0] if wp_core else "")
    elif is_wordpress and not found[("cms", "WordPress")] and wp_core:
        found[("cms", "WordPress")] = wp_core.most_common(1)[0][0]
    if is_drupal and ("cms", "Drupal") not in found:
        put("cms", "Drupal", "")
    ordered = sorted(
        found.items(), key=lambda item: ({"cms": 0, "theme": 1}.get(item[0][0], 2), item[0][1])
    )
    return [Component(kind, name, version) for (kind, name), version in ordered]


def cms_of(components: Iterable[Component]) -> Component | None:
    for component in components:
        if component.kind == "cms":
            return component
    return None
