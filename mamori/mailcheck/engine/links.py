"""Link checks: shown text vs target, IP hosts, shorteners, IDN, lookalikes, data: URLs, forms."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .catalog import lure_patterns
from .domains import is_ip_host, mixed_script_label, normalise_host, registrable, scripts
from .environment import Cues, Environment
from .parse import ParsedMail
from .signals import Collector

URL_IN_TEXT = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()（）「」『』【】、。]{2,2000}", re.IGNORECASE
)
DOMAIN_IN_TEXT = re.compile(
    r"(?:https?://)?((?:[\w\-]{1,63}\.)+(?:[a-z]{2,24}|xn--[a-z0-9\-]{1,59}))\b", re.IGNORECASE
)
JAPANESE_SCRIPTS = frozenset({"HAN", "HIRAGANA", "KATAKANA"})


@dataclass
class LinkFacts:
    untrusted_domains: list[str] = field(default_factory=list)
    count: int = 0


def _links(mail: ParsedMail, cap: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for digest in mail.html:
        found.extend((link.href, link.text) for link in digest.links)
    for text in mail.text:
        for match in URL_IN_TEXT.finditer(text):
            found.append((match.group(0), ""))
            if len(found) >= cap:
                break
    return found[:cap]


def check_links(
    mail: ParsedMail,
    env: Environment,
    claimed: list[str],
    out: Collector,
    cap: int,
    cues: Cues | None = None,
) -> LinkFacts:
    facts = LinkFacts()
    login_words = lure_patterns()["login_path"]
    claimed_domains: set[str] = set()
    for brand_id in set(claimed):
        claimed_domains |= env.domains_of_brand.get(brand_id, frozenset())
    seen_hosts: set[str] = set()
    for href_raw, text in _links(mail, cap):
        if out.out_of_time():
            break
        href = html.unescape(href_raw).strip().replace("\\", "/")
        scheme = href.partition(":")[0].lower().strip() if ":" in href[:12] else ""
        shown = href[:200]
        if scheme == "data":
            out.add("link.data_url", shown[:80])
            continue
        if scheme in {"javascript", "vbscript"}:
            out.add("link.script_url", shown[:80])
            continue
        if scheme not in {"http", "https", ""} or (
            not scheme and not href.lower().startswith("www.")
        ):
            continue
        if not scheme:
            href = "http://" + href
        try:
            parts = urlsplit(href)
            host = parts.hostname or ""
            userinfo = parts.username or ""
        except ValueError:
            continue
        if "%" in host:
            # Browsers decode %XX in the host part: %31%39%35%2E… is an IP address in disguise.
            host = unquote(host)
        host = normalise_host(host)
        if not host:
            continue
        facts.count += 1
        if is_ip_host(host):
            out.add("link.ip_host", shown)
            facts.untrusted_domains.append(host)
            continue
        domain = registrable(host)
        _check_text_mismatch(text, userinfo, domain, shown, env, out, mail.is_bulk)
        if claimed_domains and domain not in claimed_domains and not env.is_known(domain):
            if login_words.search((parts.path + "?" + parts.query + host).lower()):
                out.add("link.login_off_brand", shown)
        if host in seen_hosts:
            continue  # the host-level checks below give the same answer for the same host
        seen_hosts.add(host)
        if not env.is_known(domain):
            facts.untrusted_domains.append(domain)
        if domain in env.shorteners or host in env.shorteners:
            out.add("link.shortener", shown)
        lookalike = env.index.match(host)
        if lookalike is not None:
            out.add(
                "link.lookalike",
                f"{shown}: {lookalike.domain} ≈ {lookalike.imitates.domain} ({lookalike.how})",
                "low" if lookalike.weak else None,
            )
        label = mixed_script_label(host)
        if label is not None:
            out.add("link.mixed_script", f"{shown}: {label}")
        if any(not lbl.isascii() for lbl in host.split(".")) and label is None:
            # Japanese IDNs are legitimate; other IDNs deserve a look.
            only_japanese = scripts(host) <= JAPANESE_SCRIPTS | {"LATIN"}
            severity = "low" if only_japanese and lookalike is None else None
            out.add("link.punycode", f"{shown}: {host}", severity)
        token_brand = env.brand_token_in(host, cues)
        if token_brand is not None and lookalike is None:
            out.add("link.brand_subdomain", f"{shown}: {token_brand.names[0]} ≠ {domain}")
    for digest in mail.html:
        for form in digest.forms:
            if form.has_password:
                out.add("link.form_password", form.action[:200] or "<form>")
            else:
                out.add("link.form", form.action[:200] or "<form>")
    return facts


def _check_text_mismatch(
    text: str,
    userinfo: str,
    domain: str,
    shown: str,
    env: Environment,
    out: Collector,
    bulk: bool = False,
) -> None:
    for candidate in (text, userinfo):
        if not candidate:
            continue
        match = DOMAIN_IN_TEXT.search(candidate)
        if match is None:
            continue
        text_domain = registrable(match.group(1))
        if not text_domain or "." not in text_domain or text_domain == domain:
            continue
        brand_a = env.brand_of_domain.get(text_domain)
        if brand_a is not None and brand_a is env.brand_of_domain.get(domain):
            continue  # amazon.co.jp shown, amazon.com linked: same company
        # Showing a bank's or partner's domain and linking elsewhere is impersonation; other
        # mismatches are often click trackers in newsletters.
        # A newsletter's "facebook.com" footer link through its click tracker is not one.
        known = text_domain in env.trusted or (env.is_known(text_domain) and not bulk)
        severity = None if known or candidate is userinfo else "medium"
        out.add("link.text_mismatch", f"{match.group(1)} → {shown}", severity)
        return
