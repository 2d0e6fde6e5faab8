"""Classify the change between a page's approved baseline and a new fetch; text diffs.

Levels: a new external script or frame domain, a form posting to another site, an automatic
redirect to another site or new hidden links to other sites → "danger" (the shapes injected
code takes, which visible text never shows); changed visible text, new own-site scripts, new
inline scripts, new link domains or missing expected words → "caution"; otherwise "none".
"""

from __future__ import annotations

import difflib
import ipaddress
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from publicsuffixlist import PublicSuffixList

from mamori.monitoring.fingerprint import Fingerprint, url_host
from mamori.monitoring.texts import Reason, highest_level, reason

MAX_DIFF_LINES = 400
MAX_SIDE_BY_SIDE_ROWS = 1000
MAX_DIFF_INPUT_LINES = 5000
MAX_DOMAINS_IN_TEXT = 5


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def site_of(host: str) -> str:
    """The registrable domain of a host (example.co.jp for www.example.co.jp); IPs as they are."""
    host = host.strip().lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _psl().privatesuffix(host) or host


def same_site(host: str, site_domain: str) -> bool:
    host = host.strip().lower().rstrip(".")
    site = site_domain.strip().lower().rstrip(".")
    if not site:
        return False
    if host == site or host.endswith("." + site):
        return True
    return site_of(host) == site_of(site)


def _hosts(urls: Iterable[str]) -> set[str]:
    return {host for host in (url_host(url) for url in urls) if host}


def _external(hosts: Iterable[str], site_domain: str) -> set[str]:
    return {host for host in hosts if not same_site(host, site_domain)}


def _domain_list(domains: Iterable[str]) -> str:
    ordered = sorted(domains)
    shown = ", ".join(ordered[:MAX_DOMAINS_IN_TEXT])
    if len(ordered) > MAX_DOMAINS_IN_TEXT:
        shown += f" (+{len(ordered) - MAX_DOMAINS_IN_TEXT})"
    return shown


def _new_urls(old: Sequence[str], new: Sequence[str]) -> list[str]:
    before = set(old)
    return [url for url in new if url not in before]


def _urls_on(urls: Iterable[str], hosts: set[str]) -> list[str]:
    return [url for url in urls if url_host(url) in hosts]


@dataclass(frozen=True)
class Change:
    """The verdict on one fetch against the baseline."""

    level: str
    reasons: tuple[Reason, ...] = ()
    text_diff: tuple[str, ...] = ()
    raw_changed: bool = False
    structure_changed: bool = False
    text_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.raw_changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "reasons": [item.to_dict() for item in self.reasons],
            "text_diff": list(self.text_diff),
            "raw_changed": self.raw_changed,
            "structure_changed": self.structure_changed,
            "text_changed": self.text_changed,
        }


def _new_external(
    old_urls: Any, new_urls: Any, site_domain: str, code: str, *, seen_before_counts: bool = True
) -> tuple[list[str], set[str], list[Reason]]:
    """URLs added since the old fingerprint, the outside domains among them (not already used
    by the old page, unless seen_before_counts is False) and the reason naming them, if any."""
    added = _new_urls(old_urls, new_urls)
    domains = _external(_hosts(added), site_domain)
    if seen_before_counts:
        domains -= _hosts(old_urls)
    found = (
        [reason(code, _urls_on(added, domains), domains=_domain_list(domains))] if domains else []
    )
    return added, domains, found


def _structural_reasons(old: Fingerprint, new: Fingerprint, site_domain: str) -> list[Reason]:
    reasons: list[Reason] = []

    new_scripts, script_domains, found = _new_external(
        old.scripts, new.scripts, site_domain, "new_script_domain"
    )
    reasons += found
    other_new_scripts = [url for url in new_scripts if url_host(url) not in script_domains]
    if other_new_scripts:
        reasons.append(reason("new_script_url", other_new_scripts, count=len(other_new_scripts)))

    new_inline = _new_urls(old.inline_scripts, new.inline_scripts)
    if new_inline:
        previews = [new.inline_previews.get(digest, digest) for digest in new_inline]
        reasons.append(reason("new_inline_script", previews, count=len(new_inline)))

    new_frames, frame_domains, found = _new_external(
        old.frames, new.frames, site_domain, "new_frame_domain"
    )
    reasons += found
    other_frames = [url for url in new_frames if url_host(url) not in frame_domains]
    if other_frames:
        reasons.append(reason("new_frame_url", other_frames, count=len(other_frames)))

    reasons += _new_external(old.form_actions, new.form_actions, site_domain, "new_form_target")[2]
    reasons += _new_external(
        old.meta_refresh,
        new.meta_refresh,
        site_domain,
        "new_meta_refresh",
        seen_before_counts=False,
    )[2]

    new_hidden, hidden_domains, found = _new_external(
        old.hidden_links, new.hidden_links, site_domain, "new_hidden_external_links"
    )
    if found:
        reasons += found
    elif new_hidden:
        reasons.append(reason("new_hidden_links", new_hidden, count=len(new_hidden)))

    link_domains = _external(new.link_hosts, site_domain) - set(old.link_hosts) - hidden_domains
    if link_domains:
        reasons.append(
            reason("new_link_domains", sorted(link_domains), domains=_domain_list(link_domains))
        )
    return reasons


def _keyword_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def missing_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    """Expected words absent from the text (NFKC, case-insensitive)."""
    haystack = _keyword_key(text)
    return [
        word for word in keywords if word.strip() and _keyword_key(word.strip()) not in haystack
    ]


def text_diff(old_text: str, new_text: str, *, context: int = 2) -> list[str]:
    """Unified diff lines of two normalised texts (capped)."""
    lines = difflib.unified_diff(
        old_text.splitlines()[:MAX_DIFF_INPUT_LINES],
        new_text.splitlines()[:MAX_DIFF_INPUT_LINES],
        fromfile="baseline",
        tofile="current",
        lineterm="",
        n=context,
    )
    diff: list[str] = []
    for line in lines:
        if len(diff) >= MAX_DIFF_LINES:
            diff.append("…")
            break
        diff.append(line)
    return diff


def compare(
    old: Fingerprint,
    new: Fingerprint,
    *,
    site_domain: str,
    expected_keywords: Sequence[str] = (),
) -> Change:
    """The change from the approved baseline ``old`` to the fetch ``new``.

    ``site_domain`` is the monitored site's host or registrable domain: hosts on the same
    registrable domain count as the site itself.
    """
    raw_changed = old.raw_sha256 != new.raw_sha256
    structure_changed = old.structure_sha256 != new.structure_sha256
    text_changed = old.text_sha256 != new.text_sha256

    reasons = _structural_reasons(old, new, site_domain) if structure_changed else []
    diff: list[str] = []
    if text_changed:
        diff = text_diff(old.text, new.text)
        added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
        removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
        reasons.append(
            reason(
                "text_changed",
                [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")],
                added=added,
                removed=removed,
            )
        )
    missing = missing_keywords(new.text, expected_keywords)
    if missing:
        reasons.append(reason("missing_keywords", missing, keywords="、".join(missing)))
    if raw_changed and not reasons:
        reasons.append(reason("markup_changed"))
    if new.truncated:
        reasons.append(reason("content_truncated", limit=len(new.text)))
    level = highest_level([item.level for item in reasons])
    if level == "info":
        level = "none"  # Change levels are danger / caution / none
    return Change(
        level=level,
        reasons=tuple(reasons),
        text_diff=tuple(diff),
        raw_changed=raw_changed,
        structure_changed=structure_changed,
        text_changed=text_changed,
    )


# --- side by side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side view. kind: equal, replace, delete, insert or skip."""

    kind: str
    left_number: int | None = None
    left: str = ""
    right_number: int | None = None
    right: str = ""
    skipped: int = 0


@dataclass(frozen=True)
class SideBySide:
    rows: tuple[DiffRow, ...] = field(default_factory=tuple)
    truncated: bool = False


def side_by_side(old_text: str, new_text: str, *, context: int = 3) -> SideBySide:
    """Rows for a two-column diff template; long unchanged runs collapse into "skip" rows."""
    left = old_text.splitlines()[:MAX_DIFF_INPUT_LINES]
    right = new_text.splitlines()[:MAX_DIFF_INPUT_LINES]
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    rows: list[DiffRow] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            length = i2 - i1
            head = context if index > 0 else 0
            tail = context if index < len(opcodes) - 1 else 0
            if len(opcodes) == 1:
                head = length  # nothing changed: show the text as it is
            if length > head + tail:
                for k in range(head):
                    rows.append(
                        DiffRow("equal", i1 + k + 1, left[i1 + k], j1 + k + 1, right[j1 + k])
                    )
                rows.append(DiffRow("skip", skipped=length - head - tail))
                for k in range(length - tail, length):
                    rows.append(
                        DiffRow("equal", i1 + k + 1, left[i1 + k], j1 + k + 1, right[j1 + k])
                    )
            else:
                for k in range(length):
                    rows.append(
                        DiffRow("equal", i1 + k + 1, left[i1 + k], j1 + k + 1, right[j1 + k])
                    )
        else:
            for k in range(max(i2 - i1, j2 - j1)):
                has_left = i1 + k < i2
                has_right = j1 + k < j2
                kind = "replace" if has_left and has_right else ("delete" if has_left else "insert")
                rows.append(
                    DiffRow(
                        kind,
                        i1 + k + 1 if has_left else None,
                        left[i1 + k] if has_left else "",
                        j1 + k + 1 if has_right else None,
                        right[j1 + k] if has_right else "",
                    )
                )
        if len(rows) > MAX_SIDE_BY_SIDE_ROWS:
            return SideBySide(tuple(rows[:MAX_SIDE_BY_SIDE_ROWS]), truncated=True)
    return SideBySide(tuple(rows))
