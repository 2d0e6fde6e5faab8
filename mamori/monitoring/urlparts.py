"""A page's URLs resolved as urljoin and urlsplit resolve them, without them where that is safe.

No Django here. The fingerprint resolves every link, script, stylesheet and form target of a
page, hundreds a page, and urljoin or urlsplit cost microseconds a call. The shortcuts below
take the plain forms (absolute http(s) URLs, paths from the root, simple relative paths,
fragments, plain hosts) and give exactly what the library gives for them (property tests in
tests/test_urlparts.py compare the two); everything else goes the library's way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

# An http(s) URL whose host is plain ASCII letters, digits, dots and hyphens, ending the URL or
# followed by '/', '?' or '#': urlsplit's hostname is that host in lower case, and the IDNA
# codec leaves an ASCII host as it is (or refuses it, and the host is then lowered anyway).
_PLAIN_HTTP_HOST = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9.-]+)(?=[/?#]|\Z)")
# A lower-case http(s) scheme and a plain host and port ending the URL or followed by '/', '?'
# or '#': urlsplit's scheme and netloc, as written.
_PLAIN_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?=[/?#]|\Z)")
# A path from the root that urljoin copies unchanged after the base's scheme and host: no '//'
# (joined to one '/'), no '.' segment, no empty query, no fragment, no characters urlsplit drops.
_PLAIN_ROOT_PATH = re.compile(r"/[A-Za-z0-9_~%/.-]*(?:\?[A-Za-z0-9_~%.=&+-]+)?")
# An absolute or scheme-relative http(s) URL that urljoin gives back as written (scheme-relative:
# after the base's scheme): lower-case scheme, plain host and port, no ';' parameters in the
# path, no empty query or fragment (urljoin drops those), nothing urlsplit strips or removes.
PLAIN_URL = re.compile(
    r"(?:https?:)?//[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\x00-\x20?#;\\]*)?"
    r"(?:\?[^\x00-\x20#]+)?(?:#[^\x00-\x20]+)?"
)
# A relative path urljoin appends to the base's folder as written: no scheme, no '.' or '..'
# segment (none starts with '.'), no empty segment ('//'), no empty query, no fragment.
_PLAIN_RELATIVE = re.compile(
    r"[A-Za-z0-9_~%-](?:[A-Za-z0-9_~%.-]|/(?![/.]))*(?:\?[A-Za-z0-9_~%.=&+-]+)?"
)
# A fragment urljoin puts after the base as written (not empty, nothing urlsplit strips).
_PLAIN_FRAGMENT = re.compile(r"#[^\x00-\x20]+")


def url_host(url: str) -> str | None:
    """Lower-case ASCII host of an absolute http(s) URL, or None."""
    plain = _PLAIN_HTTP_HOST.match(url)
    if plain is not None:
        return plain.group(1).lower()  # what the general reading gives, 20x faster
    return _host_by_urlsplit(url)


def _host_by_urlsplit(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return ascii_host(host)


@lru_cache(maxsize=4096)
def ascii_host(host: str) -> str:
    """IDNA form of a host name (the codec checks every label: worth remembering)."""
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host.lower()


# Pure, and the same links come back on every check of a page.
@lru_cache(maxsize=16384)
def join_url(base: str, value: str | None) -> str | None:
    """A reference as written on a page, resolved against the page's base (the general way)."""
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


def url_query(url: str) -> str:
    """urlsplit's query of a URL; '' where it has none or urlsplit refuses it."""
    if "?" not in url:
        return ""
    if PLAIN_URL.fullmatch(url):
        return url.partition("#")[0].partition("?")[2]
    return _query_by_urlsplit(url)


def _query_by_urlsplit(url: str) -> str:
    try:
        return urlsplit(url).query
    except ValueError:
        return ""


def is_plain_root_path(value: str) -> bool:
    return _PLAIN_ROOT_PATH.fullmatch(value) is not None and "//" not in value and "/." not in value


def origin_of(base: str) -> str | None:
    """'scheme://host' of an http(s) base, for the plain paths joined to it."""
    plain = _PLAIN_ORIGIN.match(base)
    if plain is not None:
        return plain.group(0)
    return _origin_by_urlsplit(base)


def _origin_by_urlsplit(base: str) -> str | None:
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=1024)
def _join_prefix(base: str, example: str) -> str | None:
    """What urljoin puts before a plain relative path (example "x") or a fragment ("#x"),
    taken from urljoin itself; None where its result does not end as expected."""
    if PLAIN_URL.fullmatch(base) and base[:1] != "/":
        # A plain base is given back as written (its path has no '.', '..' or empty segment
        # to resolve): its folder is everything up to the last '/' of the path.
        page = base.partition("#")[0]
        if example == "#x":
            return page + "#"
        page = page.partition("?")[0]
        path = page.find("/", page.index("//") + 2)
        if path < 0:
            return page + "/"
        if "//" not in page[path:] and "/." not in page[path:]:
            return page[: page.rindex("/") + 1]
    try:
        joined = urljoin(base, example)
    except ValueError:
        return None
    ending = "/x" if example == "x" else "#x"
    return joined[:-1] if joined.endswith(ending) else None


def _is_relative_path(value: str) -> bool:
    """A reference urljoin resolves to the base's scheme and host: no scheme, not '//host', and
    nothing urlsplit strips or drops first (leading controls, tabs and newlines)."""
    return (
        ":" not in value
        and value[:1] > " "
        and not value.startswith("//")
        and "\t" not in value
        and "\n" not in value
        and "\r" not in value
    )


class PageUrls:
    """The references of one page resolved against its base, with a cache of link hosts (a
    page repeats the same links many times)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.base_host = url_host(base)
        self.origin = origin_of(base)
        self._hosts: dict[str, str | None] = {}

    def absolute(self, value: str | None) -> str | None:
        if value is None:
            return None
        origin = self.origin
        if origin:  # what urljoin gives, without it
            first = value[:1]
            if first == "/" and is_plain_root_path(value):
                return origin + value
            if PLAIN_URL.fullmatch(value):
                return value if first != "/" else f"{origin[: origin.index(':')]}:{value}"
            if first == "#":
                if _PLAIN_FRAGMENT.fullmatch(value):
                    prefix = _join_prefix(self.base, "#x")
                    if prefix is not None:
                        return prefix + value[1:]
            elif _PLAIN_RELATIVE.fullmatch(value):
                prefix = _join_prefix(self.base, "x")
                if prefix is not None:
                    return prefix + value
        return join_url(self.base, value)

    def link_host(self, href: str | None) -> str | None:
        """The host a link leads to (what url_host of its absolute form gives)."""
        if href is None:
            return None
        try:
            return self._hosts[href]
        except KeyError:
            pass
        value = href.strip()
        host: str | None = ""
        if value and _is_relative_path(value):
            host = self.base_host  # what urljoin + url_host give, without either
        elif value[:8].lower().startswith(("http://", "https://")):
            # urljoin keeps an http(s) URL's own host when it names one: no need to join.
            plain = _PLAIN_HTTP_HOST.match(value)
            if plain is not None:
                host = plain.group(1).lower()
            else:
                try:
                    if urlsplit(value).netloc:
                        host = url_host(value)
                except ValueError:
                    pass
        if host == "":
            target = self.absolute(href)
            host = url_host(target) if target else None
        self._hosts[href] = host
        return host


def clear_caches() -> None:
    """Forget cached results (benchmarks measure the first check of a page)."""
    ascii_host.cache_clear()
    join_url.cache_clear()
    _join_prefix.cache_clear()
