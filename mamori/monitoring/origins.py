"""Who controls a URL (its origin key) and which library it is (its family key).

No Django here. Most hosts are controlled by one party, so the origin key of a URL is its host.
Some CDNs serve whatever anyone publishes (``cdn.jsdelivr.net/gh/<user>/<repo>``, ``unpkg.com/
<package>``, ``raw.githubusercontent.com/<user>/<repo>``, IPFS gateways): there the owner is in
the path, so the origin key keeps it, and a new path on an already-used CDN counts as a new
origin. Sub-domain platforms (``*.pages.dev``, ``*.github.io``…) are separate hosts anyway.

The family key of a URL masks version numbers, cache-busting query parameters and content
hashes in file names, so ``bootstrap@5.2.3/…/bootstrap.min.js`` and ``bootstrap@5.3.3/…``, or
``app.js?ver=6.4`` and ``app.js?ver=6.5``, are one family: a new member is a library update.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

# host → how many leading path segments name the publisher ("@scope/pkg" counts as one).
USER_CONTENT_HOSTS: dict[str, int] = {
    "cdn.jsdelivr.net": 3,  # /gh/<user>/<repo>, /npm/<pkg>, /wp/<plugin>
    "fastly.jsdelivr.net": 3,
    "gcore.jsdelivr.net": 3,
    "testingcf.jsdelivr.net": 3,
    "unpkg.com": 1,
    "esm.sh": 1,
    "cdn.skypack.dev": 1,
    "raw.githubusercontent.com": 2,
    "gist.githubusercontent.com": 1,
    "rawcdn.githack.com": 2,
    "raw.githack.com": 2,
    "cdn.statically.io": 3,
    "gitcdn.link": 3,
    "cdn.rawgit.com": 2,
    "rawgit.com": 2,
    "gitlab.com": 2,
    "bitbucket.org": 2,
    "ipfs.io": 2,  # /ipfs/<cid>
    "dweb.link": 2,
    "cloudflare-ipfs.com": 2,
    "gateway.pinata.cloud": 2,
    "ipfs.fleek.co": 2,
    "w3s.link": 2,
    "storage.googleapis.com": 1,  # /<bucket>
    "firebasestorage.googleapis.com": 4,  # /v0/b/<bucket>/o
    "s3.amazonaws.com": 1,
    "pastebin.com": 2,
    "codepen.io": 1,
    "cdn.discordapp.com": 3,
    "drive.google.com": 0,
    "docs.google.com": 0,
}
USER_CONTENT_SUFFIXES = (
    ".ipfs.dweb.link",
    ".ipfs.w3s.link",
    ".ipfs.cf-ipfs.com",
    ".r2.dev",
    ".workers.dev",
    ".pages.dev",
    ".netlify.app",
    ".vercel.app",
    ".github.io",
    ".glitch.me",
    ".herokuapp.com",
    ".web.app",
    ".firebaseapp.com",
    ".blob.core.windows.net",
    ".s3.amazonaws.com",
    ".ngrok.io",
    ".ngrok-free.app",
    ".trycloudflare.com",
)
# Query parameters that only bust caches or carry versions and ids (compared as one family).
_VERSION_IN_PATH = re.compile(
    r"@[^/]+|(?<=[/._-])v?\d+(?:\.\d+)+(?:[-.]?(?:min|rc\d*|beta\d*|alpha\d*))?(?=[/._-]|$)"
)
_HASHED_NAME = re.compile(
    r"(?<=[._-])(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[a-zA-Z])[A-Za-z0-9_]{6,32}(?=\.)|(?<=[._-])[0-9a-f]{6,40}(?=\.)"
)


def _split(url: str) -> tuple[str, str, str]:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", url, ""
    return host, parts.path or "/", parts.query


def is_user_content_host(host: str) -> bool:
    host = host.lower()
    return host in USER_CONTENT_HOSTS or host.endswith(USER_CONTENT_SUFFIXES)


@lru_cache(maxsize=4096)
def origin_key(url: str) -> str:
    """The host, or host plus publisher path on a CDN that serves anyone's content."""
    host, path, _query = _split(url)
    if not host:
        return url[:60]
    segments = USER_CONTENT_HOSTS.get(host)
    if segments is None:
        return host
    parts = [part for part in path.split("/") if part]
    if segments == 3 and parts and parts[0] not in ("gh", "wp", "gl", "bb"):
        segments = 2  # /npm/<package>: the package is the publisher
    kept: list[str] = []
    index = 0
    while index < len(parts) and len(kept) < segments:
        part = parts[index]
        if host in ("unpkg.com", "esm.sh", "cdn.skypack.dev") or (
            host.endswith("jsdelivr.net") and kept[:1] == ["npm"]
        ):
            if part.startswith("@") and index + 1 < len(parts):
                part = part + "/" + parts[index + 1]
                index += 1
            part = part.split("@", 1)[0] if not part.startswith("@") else part.rsplit("@", 1)[0]
        elif host.endswith("jsdelivr.net") or host in ("cdn.statically.io", "gitcdn.link"):
            part = part.split("@", 1)[0]
        kept.append(part)
        index += 1
    return host + "/" + "/".join(kept) if kept else host


@lru_cache(maxsize=4096)
def family_key(url: str) -> str:
    """Origin and path with versions and content hashes masked; the query is left out."""
    host, path, _query = _split(url)
    if not host:
        return url[:100]
    masked = _VERSION_IN_PATH.sub("@V", path)
    masked = _HASHED_NAME.sub("H", masked)
    return host + masked


def without_query(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]
