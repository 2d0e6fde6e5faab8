"""Classify the change between a page's approved baseline and a new fetch; text diffs.

Levels (highest wins):
- "danger": the shapes injected code and defacements take — a script, stylesheet, font, frame
  or base URL from a new outside origin (a new publisher path on a CDN that serves anyone's
  content counts as a new origin), a new inline script that loads code, runs encoded text,
  redirects or sends form data elsewhere, new event-handler attributes or javascript: URLs,
  forms posting elsewhere, automatic redirects, new hidden links to other sites (inline style or
  a CSS class), defacement or spam wording, the main text replaced wholesale;
- "caution": changed visible text, new own-site scripts, other new inline scripts, many new
  outside links at once, missing expected words;
- "info": a library or asset at a new version in the same family, a new ordinary link, a news
  list that gained a linked line;
- "none": nothing that matters — or only parts that change on their own (dates and times,
  tokens and nonces in scripts, rotating regions, and the moving parts learned per page).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from publicsuffixlist import PublicSuffixList

from mamori.monitoring.fingerprint import Fingerprint, line_hash, sha256
from mamori.monitoring.origins import family_key, origin_key, without_query
from mamori.monitoring.texts import Reason, highest_level, reason
from mamori.monitoring.urlparts import url_host

SIGNALS_PATH = Path(__file__).resolve().parent.parent / "content" / "monitoring" / "signals.yaml"
MANY_LINK_DOMAINS = 3
ROUTINE_LINES = 3
REPLACED_MIN_CHARS = 200
REPLACED_KEPT_RATIO = 0.4
MAX_LEARNED = 500
# Scripts served from where visitors' and editors' uploads land, or with a non-script name:
# where malware is dropped on a compromised site.
_UPLOAD_PATH = re.compile(
    r"/(?:wp-content/uploads|uploads?|files|images?|img|media|tmp|temp|cache)/"
    r"|\.(?:png|jpe?g|gif|ico|svg|txt|php|bmp|webp)$",
    re.IGNORECASE,
)
# Learning fetches soon after the baseline (one-off per page; regular checks never learn).
LEARN_CHECKS = 2

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


@dataclass
class Learned:
    """What a page changes on its own, learned from the first checks after the baseline:
    text slots (the unchanged lines around a moving part) and inline-script shapes."""

    slots: set[str] = field(default_factory=set)
    shapes: set[str] = field(default_factory=set)
    checks: int = 0
    templates: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slots": sorted(self.slots),
            "shapes": sorted(self.shapes),
            "templates": sorted(self.templates),
            "checks": self.checks,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Learned:
        data = data or {}
        return cls(
            slots=set(data.get("slots", [])),
            shapes=set(data.get("shapes", [])),
            checks=int(data.get("checks", 0) or 0),
            templates=set(data.get("templates", [])),
        )


@lru_cache(maxsize=1)
def signals() -> dict[str, tuple[str, ...]]:
    with SIGNALS_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {
        key: tuple(_keyword_key(str(item)) for item in data.get(key, []) if str(item).strip())
        for key in ("defacement", "spam")
    }


def _origins(urls: Iterable[str]) -> set[str]:
    return {origin_key(url) for url in urls if url_host(url)}


def _is_own(url: str, site_domain: str) -> bool:
    host = url_host(url)
    return host is not None and same_site(host, site_domain)


def _resource_reasons(
    old_urls: Sequence[str],
    new_urls: Sequence[str],
    site_domain: str,
    *,
    danger_code: str,
    own_code: str,
    known_origins: set[str],
    upload_code: str = "",
) -> tuple[list[Reason], list[str]]:
    """Reasons for new scripts/stylesheets/frames, and the URLs that are library updates."""
    added = _new_urls(old_urls, new_urls)
    if not added:
        return [], []
    old_families = {family_key(url) for url in old_urls}
    old_paths = {without_query(url) for url in old_urls}
    foreign: dict[str, list[str]] = {}
    updated: list[str] = []
    own: list[str] = []
    uploads: list[str] = []
    for url in added:
        host = url_host(url)
        if host is None:
            foreign.setdefault(url.split(":", 1)[0] + ":", []).append(url)  # data:, blob: …
            continue
        origin = origin_key(url)
        if not same_site(host, site_domain) and origin not in known_origins:
            foreign.setdefault(origin, []).append(url)
        elif without_query(url) in old_paths or family_key(url) in old_families:
            updated.append(url)
        elif upload_code and _UPLOAD_PATH.search(without_query(url)):
            uploads.append(url)
        else:
            own.append(url)
    reasons: list[Reason] = []
    if foreign:
        urls = [url for group in foreign.values() for url in group]
        reasons.append(reason(danger_code, urls, domains=_domain_list(foreign)))
    if uploads:
        reasons.append(reason(upload_code, uploads, count=len(uploads)))
    if own:
        reasons.append(reason(own_code, own, count=len(own)))
    return reasons, updated


def _flag_hosts(flags: Iterable[str], prefix: str, site_domain: str) -> set[str]:
    return {
        flag.split("@", 1)[1]
        for flag in flags
        if flag.startswith(prefix + "@") and not same_site(flag.split("@", 1)[1], site_domain)
    }


def _inline_reasons(
    old: Fingerprint, new: Fingerprint, site_domain: str, learned: Learned | None
) -> tuple[list[Reason], int]:
    """Reasons for inline scripts added since the baseline, and how many only changed values."""
    new_inline = _new_urls(old.inline_scripts, new.inline_scripts)
    if not new_inline:
        return [], 0
    known_shapes = set(old.inline_shapes.values()) | (learned.shapes if learned else set())
    loader: list[str] = []
    encoded: list[str] = []
    redirect: dict[str, str] = {}
    skimmer: dict[str, str] = {}
    plain: list[str] = []
    same_shape = 0
    for digest in new_inline:
        preview = new.inline_previews.get(digest, digest)
        flags = new.inline_flags.get(digest, [])
        flagged = False
        if flags:
            if (
                "loader" in flags
                or "write_script" in flags
                or (_flag_hosts(flags, "loader_host", site_domain))
            ):
                loader.append(preview)
                flagged = True
            if "encoded" in flags:
                encoded.append(preview)
                flagged = True
            redirect_hosts = _flag_hosts(flags, "redirect", site_domain)
            if redirect_hosts or "cloaked_redirect" in flags:
                for host in redirect_hosts or {"?"}:
                    redirect.setdefault(host, preview)
                flagged = True
            beacon_hosts = _flag_hosts(flags, "beacon", site_domain)
            if "skimmer" in flags or beacon_hosts:
                for host in beacon_hosts or {"?"}:
                    skimmer.setdefault(host, preview)
                flagged = True
        if flagged:
            continue
        if new.inline_shapes.get(digest) in known_shapes:
            same_shape += 1  # the same code with other values: a nonce, token or id
        else:
            plain.append(preview)
    reasons: list[Reason] = []
    if loader:
        reasons.append(reason("inline_script_loader", loader, count=len(loader)))
    if encoded:
        reasons.append(reason("inline_script_encoded", encoded, count=len(encoded)))
    if redirect:
        reasons.append(
            reason(
                "inline_script_redirect", list(redirect.values()), domains=_domain_list(redirect)
            )
        )
    if skimmer:
        reasons.append(
            reason("inline_script_skimmer", list(skimmer.values()), domains=_domain_list(skimmer))
        )
    if plain:
        reasons.append(reason("new_inline_script", plain, count=len(plain)))
    return reasons, same_shape


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


def _structural_reasons(
    old: Fingerprint, new: Fingerprint, site_domain: str, learned: Learned | None = None
) -> tuple[list[Reason], list[str]]:
    reasons: list[Reason] = []
    routine: list[str] = []
    updated: list[str] = []

    found, library = _resource_reasons(
        old.scripts,
        new.scripts,
        site_domain,
        danger_code="new_script_domain",
        own_code="new_script_url",
        upload_code="new_script_upload",
        known_origins=_origins(old.scripts),
    )
    reasons += found
    updated += library

    # A baseline stored before these were recorded (version 1) has none: everything would look
    # new. They are compared from the first baseline that has them.
    recorded = old.version >= 2
    found, library = _resource_reasons(
        old.styles if recorded else new.styles,
        new.styles,
        site_domain,
        danger_code="new_style_domain",
        own_code="new_style_url",
        known_origins=_origins(old.styles),
    )
    reasons += found
    updated += library

    found, library = _resource_reasons(
        old.frames,
        new.frames,
        site_domain,
        danger_code="new_frame_domain",
        own_code="new_frame_url",
        known_origins=_origins(old.frames),
    )
    reasons += found
    updated += library
    if updated:
        reasons.append(reason("library_updated", updated, count=len(updated)))

    inline, same_shape = _inline_reasons(old, new, site_domain, learned)
    reasons += inline
    if same_shape:
        routine.append("script values")

    if recorded:
        new_handlers = [new.handlers[key] for key in new.handlers if key not in old.handlers]
        if new_handlers:
            reasons.append(reason("new_event_handler", new_handlers, count=len(new_handlers)))
        new_js = _new_urls(old.js_urls, new.js_urls)
        if new_js:
            reasons.append(reason("new_javascript_url", new_js, count=len(new_js)))
        reasons += _new_external(old.base_hrefs, new.base_hrefs, site_domain, "new_base_href")[2]

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
    if len(link_domains) >= MANY_LINK_DOMAINS:
        reasons.append(
            reason(
                "many_new_link_domains",
                sorted(link_domains),
                count=len(link_domains),
                domains=_domain_list(link_domains),
            )
        )
    elif link_domains:
        reasons.append(
            reason("new_link_domains", sorted(link_domains), domains=_domain_list(link_domains))
        )
    return reasons, routine


# --- visible text ---------------------------------------------------------------------------

# Dates, times and years: a line that differs only in these is a date that moved on.
_DATE_MASKS = re.compile(
    r"\d{4}\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*\d{1,2}\s*日?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(?:令和|平成)\s*(?:\d{1,2}|元)\s*年"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
    r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b\.?,?"
    r"|[（(]\s*[月火水木金土日]\s*[)）]"
    r"|(?<![\d/])\d{1,2}/\d{1,2}(?![\d/])"
    r"|\d+\s*(?:秒|分|時間|日|週間|か月|ヶ月|年)前"
    r"|\b\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|(?<!\d)(?:19|20)\d{2}(?!\d)",
    re.IGNORECASE,
)


# Times count as moving only beside a date or with seconds: "9:00-18:00" alone is opening hours.
_TIMES = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?|\d{1,2}\s*時(?:\s*\d{1,2}\s*分)?"
)
_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
_TIME_WORDS = re.compile(r"更新|現在|時点|投稿|公開|掲載|updated|posted|as of|last|now", re.I)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def _date_masked(line: str) -> str:
    masked = _DATE_MASKS.sub("#", line)
    if masked != line or _SECONDS.search(line) or _TIME_WORDS.search(line):
        masked = _TIMES.sub("#", masked)
    return masked


def line_template(line: str) -> str:
    """A line with every number masked (a counter, a price, a stock level)."""
    return sha256(_DIGITS.sub("#", line))[:16]


def _residual(
    removed: list[str], added: list[str], templates: set[str]
) -> tuple[list[str], list[str], set[str], list[str]]:
    """Pair the lines of a same-length hunk; drop pairs that differ only in dates (or only in
    numbers on a line learned as moving). Returns what is left, the parts seen, and the
    templates of pairs that differ only in numbers."""
    parts: set[str] = set()
    numeric: list[str] = []
    if len(removed) != len(added):
        return removed, added, parts, numeric
    left: list[str] = []
    right: list[str] = []
    for old_line, new_line in zip(removed, added, strict=True):
        if _date_masked(old_line) == _date_masked(new_line):
            parts.add("dates")
            continue
        template = line_template(old_line)
        if template == line_template(new_line):
            numeric.append(template)
            if template in templates:
                parts.add("learned")
                continue
        left.append(old_line)
        right.append(new_line)
    return left, right, parts, numeric


def slot_key(before: str, after: str) -> str:
    """A moving part of the text, named by the unchanged lines around it."""
    return sha256(before + "\x00" + after)[:16]


@dataclass
class _TextVerdict:
    significant_added: int = 0
    significant_removed: int = 0
    significant_lines: list[str] = field(default_factory=list)
    routine_lines: int = 0
    routine_parts: set[str] = field(default_factory=set)
    slots: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)


def _classify_text(old: Fingerprint, new: Fingerprint, learned: Learned | None) -> _TextVerdict:
    """Sort the text differences into dates, moving parts, rotating regions, routine link lines
    and the rest (significant)."""
    verdict = _TextVerdict()
    left = old.text.splitlines()[:MAX_DIFF_INPUT_LINES]
    right = new.text.splitlines()[:MAX_DIFF_INPUT_LINES]
    old_soft, new_soft = set(old.soft_lines), set(new.soft_lines)
    old_links, new_links = set(old.link_lines), set(new.link_lines)
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = left[i1:i2], right[j1:j2]
        before = left[i1 - 1] if i1 > 0 else ""
        after = left[i2] if i2 < len(left) else ""
        slot = slot_key(before, after)
        removed, added, parts, numeric = _residual(
            removed, added, learned.templates if learned is not None else set()
        )
        verdict.routine_parts |= parts
        verdict.templates.update(numeric)
        if not removed and not added:
            continue
        verdict.slots.add(slot)
        if learned is not None and slot in learned.slots:
            verdict.routine_parts.add("learned")
            continue
        if all(line_hash(line) in old_soft for line in removed) and all(
            line_hash(line) in new_soft for line in added
        ):
            verdict.routine_parts.add("rotating")
            continue
        if (
            len(added) <= ROUTINE_LINES
            and len(removed) <= ROUTINE_LINES
            and all(line_hash(line) in new_links and len(line) <= 200 for line in added)
            and all(line_hash(line) in old_links for line in removed)
        ):
            verdict.routine_lines += len(added) + len(removed)
            continue
        verdict.significant_added += len(added)
        verdict.significant_removed += len(removed)
        verdict.significant_lines += [f"-{line}" for line in removed] + [
            f"+{line}" for line in added
        ]
    return verdict


def _new_phrases(old_text: str, new_text: str, phrases: Iterable[str]) -> list[str]:
    old_key, new_key = _keyword_key(old_text), _keyword_key(new_text)
    return [phrase for phrase in phrases if phrase in new_key and phrase not in old_key]


def kept_ratio(old_text: str, new_text: str) -> tuple[float, int]:
    """Share of the old text's characters whose lines are still on the page, and the old size."""
    old_lines = [line for line in old_text.splitlines() if line.strip()]
    total = sum(len(line) for line in old_lines)
    if not total:
        return 1.0, 0
    present = set(new_text.splitlines())
    kept = sum(len(line) for line in old_lines if line in present)
    return kept / total, total


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
    learned: Learned | None = None,
) -> Change:
    """The change from the approved baseline ``old`` to the fetch ``new``.

    ``site_domain`` is the monitored site's host or registrable domain: hosts on the same
    registrable domain count as the site itself. ``learned`` holds the page's moving parts.
    """
    raw_changed = old.raw_sha256 != new.raw_sha256
    structure_changed = old.structure_sha256 != new.structure_sha256
    text_changed = old.text_sha256 != new.text_sha256

    reasons: list[Reason] = []
    routine: set[str] = set()
    if structure_changed:
        found, routine_parts = _structural_reasons(old, new, site_domain, learned)
        reasons += found
        routine.update(routine_parts)
    diff: list[str] = []
    if text_changed:
        diff = text_diff(old.text, new.text)
        phrases = signals()
        defaced = _new_phrases(old.text, new.text, phrases["defacement"])
        if defaced:
            lines = [
                line
                for line in new.text.splitlines()
                if any(phrase in _keyword_key(line) for phrase in defaced)
            ]
            reasons.append(reason("defacement_message", lines, phrases="、".join(defaced[:5])))
        spam = _new_phrases(old.text, new.text, phrases["spam"])
        if spam:
            reasons.append(reason("spam_terms", spam, phrases="、".join(spam[:5])))
        ratio, total = kept_ratio(old.text, new.text)
        if total >= REPLACED_MIN_CHARS and ratio < REPLACED_KEPT_RATIO:
            reasons.append(reason("content_replaced", diff[:20], kept=round(ratio * 100)))
        verdict = _classify_text(old, new, learned)
        routine.update(verdict.routine_parts)
        if verdict.significant_lines:
            reasons.append(
                reason(
                    "text_changed",
                    verdict.significant_lines,
                    added=verdict.significant_added,
                    removed=verdict.significant_removed,
                )
            )
        elif verdict.routine_lines:
            reasons.append(reason("routine_text", [], count=verdict.routine_lines))
    missing = missing_keywords(new.text, expected_keywords)
    if missing:
        reasons.append(reason("missing_keywords", missing, keywords="、".join(missing)))
    if routine:
        reasons.append(reason("routine_changes", sorted(routine), parts=", ".join(sorted(routine))))
    if raw_changed and not reasons:
        reasons.append(reason("markup_changed"))
    if new.truncated:
        reasons.append(reason("content_truncated", limit=len(new.text)))
    level = highest_level([item.level for item in reasons])
    return Change(
        level=level,
        reasons=tuple(reasons),
        text_diff=tuple(diff),
        raw_changed=raw_changed,
        structure_changed=structure_changed,
        text_changed=text_changed,
    )


def learn(
    baseline: Fingerprint, new: Fingerprint, learned: Learned, *, site_domain: str
) -> Learned:
    """Add what moved between the baseline and this fetch to the page's moving parts.

    Nothing is learned from a fetch that shows danger: a defacement during the learning checks
    must not teach the monitor to ignore it.
    """
    change = compare(baseline, new, site_domain=site_domain, learned=learned)
    result = Learned(set(learned.slots), set(learned.shapes), learned.checks + 1)
    if change.level == "danger" or baseline.raw_sha256 == new.raw_sha256:
        return result
    if change.text_changed:
        verdict = _classify_text(baseline, new, None)
        result.templates |= verdict.templates
        result.slots |= verdict.slots
    for digest in _new_urls(baseline.inline_scripts, new.inline_scripts):
        shape = new.inline_shapes.get(digest)
        if shape and digest not in new.inline_flags:
            result.shapes.add(shape)
    result.slots = set(sorted(result.slots)[:MAX_LEARNED])
    result.shapes = set(sorted(result.shapes)[:MAX_LEARNED])
    result.templates = set(sorted(result.templates)[:MAX_LEARNED])
    return result


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
