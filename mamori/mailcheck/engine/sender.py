"""Sender checks: display-name tricks, Reply-To / Return-Path, lookalike domains, authentication."""

from __future__ import annotations

import re
import unicodedata

from .domains import mixed_script_label, normalise_host, registrable
from .environment import Cues, Environment
from .parse import ParsedMail
from .signals import Collector

ADDRESS_IN_TEXT = re.compile(r"[\w.+\-]+@([\w\-]+(?:\.[\w\-]+)+)", re.UNICODE)
AUTH_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)")
SUBJECT_BRAND = re.compile(
    r"^\s*(?:re:|fw:|fwd:|\s)*[【\[［]([^】\]］]{1,40})[】\]］]", re.IGNORECASE
)
FAILING = frozenset({"fail", "softfail", "permerror"})


def check_sender(
    mail: ParsedMail, env: Environment, out: Collector, cues: Cues | None = None
) -> tuple[list[str], str]:
    """Run the sender checks; returns the brand ids the mail claims to come from, and the
    evidence of a known contact's name on someone else's address (judged later, with the rest).
    """
    sender = mail.sender
    display = sender.display
    address = sender.address
    shown = f'"{display}" <{address}>' if display else f"<{address}>"
    if not address or "@" not in address:
        out.add("sender.missing", mail.from_header or "(From なし / no From)")
        return [], ""
    host = normalise_host(sender.domain)
    from_domain = registrable(host)

    for match in ADDRESS_IN_TEXT.finditer(unicodedata.normalize("NFKC", display)):
        if registrable(match.group(1)) != from_domain:
            out.add("sender.display_name_address", shown)
            break

    # Spaces do not count: "山田 太郎", "山田太郎" and "山田　太郎" are the same person.
    display_key = "".join(unicodedata.normalize("NFKC", display).lower().split())
    namesake = ""
    for name, addresses in env.contacts.items():
        if name and name in display_key and address not in addresses:
            contact_domains = {registrable(a.rpartition("@")[2]) for a in addresses}
            expected = ", ".join(sorted(addresses))
            if from_domain in contact_domains:
                out.add("sender.contact_impersonation", f"{shown} ≠ {expected}", "medium")
            else:
                namesake = f"{shown} ≠ {expected}"
            break

    # A mailing list answers to the list and bounces to its own address: that is normal.
    for reply in [] if mail.is_list else mail.reply_to:
        reply_domain = registrable(reply.domain) if reply.domain else ""
        if reply_domain and reply_domain != from_domain:
            out.add("sender.reply_to_mismatch", f"From {address} / Reply-To {reply.address}")
            break

    if mail.return_path and "@" in mail.return_path and not mail.is_list:
        rp_domain = registrable(mail.return_path.rpartition("@")[2])
        if rp_domain and rp_domain != from_domain:
            out.add(
                "sender.return_path_mismatch", f"From {address} / Return-Path {mail.return_path}"
            )

    lookalike = env.index.match(host)
    if lookalike is not None:
        out.add(
            "sender.lookalike",
            f"{address}: {lookalike.domain} ≈ {lookalike.imitates.domain} ({lookalike.how})",
            "low" if lookalike.weak else None,
        )
    label = mixed_script_label(host)
    if label is not None:
        out.add("sender.mixed_script", f"{address}: {label}")

    claimed = env.brands_named_in(display, cues)
    if claimed and env.brand_of_domain.get(from_domain) not in claimed:
        if from_domain not in env.trusted:
            names = "/".join(b.names[0] for b in claimed)
            out.add("sender.brand_name_mismatch", f"{shown} ({names} ≠ {from_domain})")
    token_brand = env.brand_token_in(host, cues)
    if token_brand is not None and lookalike is None:
        out.add("sender.brand_subdomain", f"{address}: {token_brand.names[0]} ≠ {from_domain}")
    _check_auth(mail, out)
    ids = [b.id for b in claimed]
    # Phishing subjects often lead with the brand in brackets: 【Amazon】, [楽天カード].
    bracket = SUBJECT_BRAND.match(unicodedata.normalize("NFKC", mail.subject))
    if bracket is not None:
        ids.extend(b.id for b in env.brands_named_in(bracket.group(1), cues))
    owner = env.brand_of_domain.get(from_domain)
    if (
        lookalike is not None
        and not lookalike.weak
        and lookalike.imitates.owner not in {"trusted", "contact"}
    ):
        ids.append(lookalike.imitates.owner)
    if token_brand is not None:
        ids.append(token_brand.id)
    if owner is not None and owner.id in ids:
        return [], namesake  # the brand really sent it
    return ids, namesake


def _check_auth(mail: ParsedMail, out: Collector) -> None:
    if not mail.auth_results:
        return
    text = mail.auth_results[0].lower()
    results = AUTH_RESULT.findall(text)
    failed = [f"{method}={result}" for method, result in results if result in FAILING]
    if failed:
        out.add("sender.auth_fail", ", ".join(failed))
        return
    passed = any(result == "pass" for _method, result in results)
    nones = [f"{method}={result}" for method, result in results if result == "none"]
    if nones and not passed:
        out.add("sender.auth_none", ", ".join(nones))
