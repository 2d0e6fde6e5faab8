"""Watched pages: registration, one check (fetch, fingerprint, compare, site checks), approval.

Findings policy: every monitoring finding describes the *current state* of a page (an open
change awaiting review, confirmed unreachability, an expiring certificate, missing headers), so
a finding is opened or updated for the page alone (``complete=False``) when a check changes
that page's contribution to a kind, and a kind is re-synced with ``complete=True`` over all the
organisation's pages when a state ends (so its finding resolves). A steady page costs no
finding work at all.
A change stays open until someone approves it as the new baseline (a defacement that was later
reverted still means someone had access), which resolves its finding.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.core.http import fetch, tls_certificate
from mamori.core.jobs import cancel, enqueue, schedule
from mamori.findings.rules import FindingSpec
from mamori.findings.services import sync
from mamori.orgs.models import Organization

from .checks import check_https_redirect, classify_certificate
from .compare import LEARN_CHECKS, Learned, compare, learn
from .engine import check_page
from .models import ChangeStatus, PageChange, PageState, Snapshot, WatchedPage
from .software import Component, cms_of

CHECK_JOB = "monitoring.check_page"
KIND_DEFACEMENT = "monitoring.defacement"
KIND_CHANGED = "monitoring.page_changed"
KIND_UNREACHABLE = "monitoring.unreachable"
KIND_CERTIFICATE = "monitoring.certificate_expiring"
KIND_HEADERS = "monitoring.security_headers"
ALL_KINDS = (KIND_DEFACEMENT, KIND_CHANGED, KIND_UNREACHABLE, KIND_CERTIFICATE, KIND_HEADERS)
SEVERITY = {
    KIND_DEFACEMENT: "critical",
    KIND_CHANGED: "low",
    KIND_UNREACHABLE: "medium",
    KIND_CERTIFICATE: "medium",
    KIND_HEADERS: "low",
}
# What the owner has to add, by engine reason code (header names are the same in any language).
HEADER_LABELS = {
    "hsts_missing": "Strict-Transport-Security",
    "hsts_short": "Strict-Transport-Security (max-age)",
    "csp_missing": "Content-Security-Policy",
    "nosniff_missing": "X-Content-Type-Options: nosniff",
    "framing_unprotected": "X-Frame-Options / frame-ancestors",
    "referrer_policy_missing": "Referrer-Policy",
    "https_redirect_missing": "HTTP→HTTPS redirect",
    "https_redirect_offsite": "HTTP→HTTPS redirect (to another site)",
}
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def confirm_delay_seconds() -> int:
    return _setting("MONITORING_CONFIRM_SECONDS", 60)


# The page is fetched LEARN_CHECKS (compare.py) more times soon after its baseline is taken, to
# learn the parts that change on every load (counters, rotating texts). These are one-off jobs
# in the page's life; regular checks never learn: steady-state cost is one fetch per interval.
LEARN_JOB_KEY = (
    "monitoring.learn:{pk}:{left}"  # one key per learning fetch (the running one holds its key)
)


def learn_delay_seconds() -> int:
    return _setting("MONITORING_LEARN_SECONDS", 120)


# --- registration ---------------------------------------------------------------------------

ALLOW_SETTING = "MAMORI_OUTBOUND_ALLOW_NETWORKS"


def refused_address(url: str, *, timeout: float = 2.0) -> str | None:
    """The host of ``url`` when the address guard will refuse it (loopback, private, link-local…
    and not in the allowed networks), else None. A name that does not resolve now is not
    refused here: the check reports it."""
    import ipaddress

    from mamori.core.http import (
        OutboundDnsError,
        OutboundRefused,
        check_address,
        checked_addresses,
        configured_allow_networks,
    )

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").strip("[]")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if not host:
        return None
    allowed = configured_allow_networks()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return host if check_address(address, allowed) is not None else None
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        loopback = ipaddress.ip_address("127.0.0.1")
        return host if check_address(loopback, allowed) is not None else None
    try:
        checked_addresses(host, port, allowed, timeout)
    except OutboundRefused:
        return host
    except (OutboundDnsError, OSError):
        return None
    return None


def _schedule(page: WatchedPage) -> None:
    if page.enabled:
        schedule(
            CHECK_JOB,
            unique_key=page.job_key,
            every_seconds=page.interval_minutes * 60,
            payload={"page_id": page.pk},
            organization_id=page.organization_id,
            first_run_at=timezone.now(),
        )
    else:
        cancel(page.job_key)


PAGE_FIELDS = ("url", "website", "interval_minutes", "expected_keywords", "ignore_selectors")


def save_page(request: HttpRequest | None, org: Organization, page: WatchedPage) -> WatchedPage:
    """Create or update a watched page (from a validated form instance) and its recurring job."""
    is_new = page.pk is None
    with transaction.atomic():
        before = (
            {}
            if is_new
            else {
                name: str(getattr(stored, name))
                for stored in [WatchedPage.objects.get(pk=page.pk)]
                for name in (*PAGE_FIELDS, "enabled")
            }
        )
        page.organization = org
        page.updated_at = timezone.now()
        if before and before["url"] != page.url:
            # Another address is another page: start again from its first fetch.
            page.baseline, page.baseline_at, page.etag, page.last_modified = None, None, "", ""
            page.state, page.pending_change = PageState.PENDING, None
            PageChange.objects.filter(page_id=page.pk, status=ChangeStatus.OPEN).update(
                status=ChangeStatus.SUPERSEDED
            )
        page.save()
        after = {name: str(getattr(page, name)) for name in (*PAGE_FIELDS, "enabled")}
        record(
            "monitoring.page_added" if is_new else "monitoring.page_changed",
            request=request,
            organization=org,
            obj=page,
            changes=after
            if is_new
            else {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
        _schedule(page)
        if not page.enabled:
            sync_findings(org, ALL_KINDS)
    return page


def watch_websites(
    request: HttpRequest | None, org: Organization, *, refused: list[str] | None = None
) -> list[WatchedPage]:
    """Watch the home page of every website in the register that no watched page points to.
    Addresses the guard would refuse are skipped (listed in ``refused`` when given)."""
    from mamori.inventory.models import Website

    watched = set(
        WatchedPage.objects.filter(organization=org, website__isnull=False).values_list(
            "website_id", flat=True
        )
    )
    created = []
    for website in Website.objects.filter(organization=org, archived_at__isnull=True):
        if website.pk in watched or not website.url.lower().startswith(("http://", "https://")):
            continue
        if refused_address(website.url) is not None:
            if refused is not None:
                refused.append(website.url)
            continue
        created.append(save_page(request, org, WatchedPage(url=website.url, website=website)))
    return created


def delete_page(request: HttpRequest, page: WatchedPage) -> None:
    org = page.organization
    with transaction.atomic():
        cancel(page.job_key)
        record("monitoring.page_deleted", request=request, organization=org, obj=page)
        WatchedPage.objects.filter(pk=page.pk).update(pending_change=None)
        PageChange.objects.filter(page=page).delete()
        page.delete()
        sync_findings(org, ALL_KINDS)


def request_check(request: HttpRequest, page: WatchedPage) -> None:
    """Check now (a one-off job beside the recurring one)."""
    with transaction.atomic():
        enqueue(
            CHECK_JOB,
            {"page_id": page.pk},
            organization_id=page.organization_id,
            unique_key=f"monitoring.now:{page.pk}",
            max_attempts=1,
        )
        record(
            "monitoring.check_requested", request=request, organization=page.organization, obj=page
        )


def approve_change(request: HttpRequest, change: PageChange) -> None:
    """The reviewed page becomes the baseline; the change's finding resolves."""
    with transaction.atomic():
        page = WatchedPage.objects.select_for_update().get(pk=change.page_id)
        fingerprint = change.snapshot.fingerprint
        if fingerprint:
            page.baseline = fingerprint
            page.baseline_at = timezone.now()
        now = timezone.now()
        PageChange.objects.filter(page=page, status=ChangeStatus.OPEN).exclude(pk=change.pk).update(
            status=ChangeStatus.SUPERSEDED
        )
        change.status = ChangeStatus.APPROVED
        change.approved_by = request.user
        change.approved_at = now
        change.save(update_fields=["status", "approved_by", "approved_at"])
        page.pending_change = None
        if page.state != PageState.UNREACHABLE:
            page.state = PageState.OK
        page.save(update_fields=["baseline", "baseline_at", "pending_change", "state"])
        record(
            "monitoring.change_approved",
            request=request,
            organization=page.organization,
            obj=page,
            changes={"level": change.level, "detected_at": change.detected_at},
        )
        sync_findings(page.organization, (KIND_DEFACEMENT, KIND_CHANGED))


# --- findings from page state ---------------------------------------------------------------


def _page_evidence(page: WatchedPage, lines: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """One fact per reason, in Japanese with its English beside it (the page shows one)."""
    return [
        {"kind": "page", "text": ja[:300], "text_en": en[:300], "id": str(page.pk)}
        for ja, en in lines
    ][:20]


def _reason_lines(reasons: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    lines = []
    for item in reasons:
        evidence = ", ".join(str(e) for e in item.get("evidence", [])[:3])
        tail = f": {evidence}" if evidence else ""
        lines.append((f"{item.get('ja', '')}{tail}", f"{item.get('en', '')}{tail}"))
    return lines


def page_specs(page: WatchedPage, change: PageChange | None) -> dict[str, FindingSpec]:
    """What this page contributes to each finding kind now (its state, not its history)."""
    specs: dict[str, FindingSpec] = {}
    if not page.enabled:
        return specs
    base = {
        "subject": page.url,
        "subject_type": "monitoring.watchedpage",
        "subject_id": str(page.pk),
    }
    if change is not None and change.status == ChangeStatus.OPEN:
        # Reasons of level "none" (parts that move on their own) are not evidence of anything.
        reasons = [item for item in change.reason_list if item.get("level") != "none"]
        if change.level == "danger":
            shown = [
                ", ".join(str(e) for e in item.get("evidence", [])[:3]) or str(item.get("code"))
                for item in reasons
                if item.get("level") == "danger"
            ]
            specs[KIND_DEFACEMENT] = FindingSpec(
                key=f"{KIND_DEFACEMENT}:page:{page.pk}",
                params={"page": page.url, "changes": "; ".join(shown)[:500]},
                evidence=_page_evidence(page, _reason_lines(reasons)),
                **base,
            )
        elif change.level == "caution":
            specs[KIND_CHANGED] = FindingSpec(
                key=f"{KIND_CHANGED}:page:{page.pk}",
                params={"page": page.url},
                evidence=_page_evidence(page, _reason_lines(reasons)),
                **base,
            )
    if page.state == PageState.UNREACHABLE and page.problem:
        detail = str(page.problem.get("evidence", [""])[0] if page.problem.get("evidence") else "")
        specs[KIND_UNREACHABLE] = FindingSpec(
            key=f"{KIND_UNREACHABLE}:page:{page.pk}",
            params={"page": page.url, "error": detail[:200] or str(page.problem.get("code"))},
            evidence=_page_evidence(page, _reason_lines([page.problem])),
            **base,
        )
    cert = page.certificate or {}
    if cert.get("stage") in ("expired", "7", "14", "30"):
        specs[KIND_CERTIFICATE] = FindingSpec(
            key=f"{KIND_CERTIFICATE}:page:{page.pk}",
            params={
                "host": urlsplit(page.url).hostname or page.url,
                "expires_on": str(cert.get("not_after", ""))[:10],
                "days_left": cert.get("days_left"),
            },
            evidence=_page_evidence(page, _reason_lines(cert.get("issues", []))),
            severity="high" if cert.get("stage") == "expired" else None,
            **base,
        )
    issues = [*page.header_issues, *([page.redirect_issue] if page.redirect_issue else [])]
    if issues:
        missing = [
            HEADER_LABELS.get(str(item.get("code")), str(item.get("code"))) for item in issues
        ]
        specs[KIND_HEADERS] = FindingSpec(
            key=f"{KIND_HEADERS}:page:{page.pk}",
            params={"page": page.url, "missing": ", ".join(missing)},
            evidence=_page_evidence(page, _reason_lines(issues)),
            **base,
        )
    return specs


def _signature(specs: dict[str, FindingSpec]) -> dict[str, tuple[Any, ...]]:
    return {
        kind: (spec.key, repr(spec.params), spec.severity, repr(spec.evidence))
        for kind, spec in specs.items()
    }


def sync_findings(org: Organization, kinds: Iterable[str]) -> None:
    """Bring the findings of these kinds in line with every page of the organisation."""
    wanted = list(kinds)
    if not wanted:
        return
    pages = (
        WatchedPage.objects.filter(organization=org)
        .select_related("pending_change")
        .defer("baseline", "pending_change__baseline")
    )
    collected: dict[str, list[FindingSpec]] = {kind: [] for kind in wanted}
    for page in pages:
        for kind, spec in page_specs(page, page.pending_change).items():
            if kind in collected:
                collected[kind].append(spec)
    for kind in wanted:
        sync(org, kind, collected[kind], default_severity=SEVERITY[kind], complete=True)


# --- one check ------------------------------------------------------------------------------


def _http_variant(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("http", parts.netloc, parts.path or "/", parts.query, ""))


def read_certificate(
    page: WatchedPage, allow_networks: Iterable[str] | None, ssl_context: ssl.SSLContext | None
) -> dict[str, Any] | None:
    """The certificate state of an https page; None when it could not be read."""
    parts = urlsplit(page.url)
    info = tls_certificate(
        parts.hostname or "",
        parts.port or 443,
        allow_networks=allow_networks,
        ssl_context=ssl_context,
    )
    if info.error is not None:
        # The page fetch reports reachability; a failed certificate read keeps the last result.
        return None
    verdict = classify_certificate(
        info.not_after, info.days_left, verified=info.verified, verify_error=info.verify_error
    )
    return {
        "not_after": info.not_after.isoformat() if info.not_after else "",
        "days_left": info.days_left,
        "stage": verdict.stage,
        "subject": info.subject,
        "issuer": info.issuer,
        "verified": info.verified,
        "issues": [item.to_dict() for item in verdict.issues],
    }


def _store_snapshot(page: WatchedPage, check: Any, now: Any, keep_fingerprint: bool) -> Snapshot:
    fetched = check.fetch
    fp = check.fingerprint
    snapshot = Snapshot.objects.create(
        organization_id=page.organization_id,
        page=page,
        fetched_at=now,
        status=fetched.status,
        error=(fetched.error or "")[:500],
        raw_sha256=fp.raw_sha256 if fp else "",
        structure_sha256=fp.structure_sha256 if fp else "",
        text_sha256=fp.text_sha256 if fp else "",
        fingerprint=fp.to_dict() if fp is not None and keep_fingerprint else None,
        level=check.level,
        reasons=[item.to_dict() for item in check.change.reasons]
        if check.change is not None and check.change.level == "info"
        else [],
    )
    keep = _setting("MONITORING_KEEP_SNAPSHOTS", 50)
    if snapshot.pk % 10:
        return snapshot  # prune on every tenth snapshot only: one query fewer per check
    old = list(page.snapshots.values_list("id", flat=True)[keep : keep + 200])
    if old:
        referenced = set(
            PageChange.objects.filter(snapshot_id__in=old).values_list("snapshot_id", flat=True)
        )
        Snapshot.objects.filter(id__in=[i for i in old if i not in referenced]).delete()
    return snapshot


def _record_software(page: WatchedPage, software: Iterable[str], now: Any) -> None:
    """Keep what the page says about its CMS, plugins and themes, and hand the CMS and its
    version to the website register entry (where advisories are matched) when they changed."""
    detected = list(software)
    if detected == page.software:
        return
    page.software = detected
    cms = cms_of(Component.decode(item) for item in detected)
    if cms is None or page.website_id is None:
        return
    from mamori.inventory.models import Website

    website = Website.objects.filter(pk=page.website_id).first()
    if website is None:
        return
    same_name = website.cms.strip().casefold() == cms.name.casefold()
    version = cms.version or (website.cms_version if same_name else "")
    if same_name and version == website.cms_version:
        return
    before = {"cms": website.cms, "cms_version": website.cms_version}
    website.cms, website.cms_version, website.updated_at = cms.name, version[:50], now
    website.save(update_fields=["cms", "cms_version", "updated_at"])
    record(
        "monitoring.software_detected",
        organization=page.organization,
        obj=website,
        changes={
            "cms": [before["cms"], website.cms],
            "cms_version": [before["cms_version"], website.cms_version],
            "page": page.url,
        },
    )
    # The website register changed: its advisories are matched again after commit, as when a
    # person edits the version (mamori.intel.rules triggers on inventory.website).
    from mamori.findings.services import run_rules_after_commit

    run_rules_after_commit(page.organization, "inventory.website")


def _enqueue_learning(page: WatchedPage, now: Any) -> None:
    enqueue(
        CHECK_JOB,
        {"page_id": page.pk, "learn": True},
        run_at=now + timedelta(seconds=learn_delay_seconds()),
        organization_id=page.organization_id,
        unique_key=LEARN_JOB_KEY.format(pk=page.pk, left=page.learn_checks_left),
        max_attempts=1,
    )


def run_check(
    page_id: int,
    *,
    confirm: bool = False,
    learn_now: bool = False,
    allow_networks: Iterable[str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> WatchedPage | None:
    """Check one page now and record what changed. Network trouble never raises."""
    page = (
        WatchedPage.objects.select_related("organization", "pending_change")
        .filter(pk=page_id)
        .first()
    )
    if page is None or not page.enabled:
        return page
    baseline = page.baseline_fingerprint()
    learned = Learned.from_dict(page.learned)
    result = check_page(
        page.url,
        baseline=baseline,
        ignore_selectors=page.selector_list,
        expected_keywords=page.keyword_list,
        learned=learned,
        etag=(page.etag or None) if baseline and not learn_now else None,
        last_modified=(page.last_modified or None) if baseline and not learn_now else None,
        allow_networks=allow_networks,
        ssl_context=ssl_context,
    )
    now = timezone.now()
    is_https = urlsplit(page.url).scheme == "https"
    cert_due = is_https and (
        page.cert_checked_at is None
        or page.cert_checked_at < now - timedelta(hours=_setting("MONITORING_CERT_CHECK_HOURS", 12))
    )
    redirect_due = is_https and (
        page.redirect_checked_at is None
        or page.redirect_checked_at
        < now - timedelta(hours=_setting("MONITORING_REDIRECT_CHECK_HOURS", 24))
    )
    # Site checks that fetch again happen outside the transaction (no lock held on the network).
    redirect_result = (
        fetch(_http_variant(page.url), timeout=10, max_bytes=200_000, allow_networks=allow_networks)
        if redirect_due and result.problem is None
        else None
    )
    certificate = read_certificate(page, allow_networks, ssl_context) if cert_due else None
    with transaction.atomic():
        # Lock the page only: FOR UPDATE on the joined organisation row blocked every insert that
        # references the organisation while this transaction waited for the audit chain's lock
        # (a deadlock the load test found on PostgreSQL).
        page = (
            WatchedPage.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=page_id)
        )
        change = (
            PageChange.objects.filter(pk=page.pending_change_id).select_related("snapshot").first()
        )
        before = _signature(page_specs(page, change))
        page.last_checked_at = now
        page.last_status = result.fetch.status
        if result.problem is not None:
            page.failures = min(page.failures + 1, 1000)
            _store_snapshot(page, result, now, keep_fingerprint=False)
            if page.failures >= 2:
                page.problem = result.problem.to_dict()
                page.state = PageState.UNREACHABLE
            elif not confirm:
                # One failure is often a blip: look again soon before telling anyone.
                enqueue(
                    CHECK_JOB,
                    {"page_id": page.pk, "confirm": True},
                    run_at=now + timedelta(seconds=confirm_delay_seconds()),
                    organization_id=page.organization_id,
                    unique_key=f"monitoring.confirm:{page.pk}",
                    max_attempts=1,
                )
        else:
            page.failures = 0
            page.problem = None
            if result.fingerprint is not None:
                fp = result.fingerprint
                page.etag = (result.fetch.etag or "")[:300]
                page.last_modified = (result.fetch.last_modified or "")[:100]
                previous = (
                    page.snapshots.exclude(raw_sha256="")
                    .values_list("raw_sha256", flat=True)
                    .first()
                )
                site = urlsplit(page.url).hostname or ""
                if learn_now and baseline is not None and page.learn_checks_left > 0:
                    # One of the first checks: learn what moved, then judge with what was learned.
                    learned = learn(baseline, fp, learned, site_domain=site)
                    page.learned = learned.to_dict()
                    page.learn_checks_left -= 1
                    if page.learn_checks_left > 0:
                        _enqueue_learning(page, now)
                    result = replace(
                        result,
                        change=compare(
                            baseline,
                            fp,
                            site_domain=site,
                            expected_keywords=page.keyword_list,
                            learned=learned,
                        ),
                    )
                level = result.change.level if result.change is not None else "none"
                is_new_change = level in ("danger", "caution") and (
                    change is None or change.snapshot.raw_sha256 != fp.raw_sha256
                )
                snapshot = _store_snapshot(
                    page,
                    result,
                    now,
                    keep_fingerprint=previous != fp.raw_sha256 or is_new_change or baseline is None,
                )
                advance = (
                    baseline is not None
                    and change is None
                    and (
                        level == "info"
                        or (level == "none" and baseline.version < fp.version)  # format upgrade
                    )
                )
                if baseline is None or advance:
                    # The first fetch, or only information-level differences (a library update,
                    # a new partner link) with nothing awaiting review: this is the baseline now.
                    page.baseline = fp.to_dict()
                    page.baseline_at = now
                    if baseline is None:
                        page.learned, page.learn_checks_left = {}, LEARN_CHECKS
                        _enqueue_learning(page, now)
                elif is_new_change:
                    assert result.change is not None
                    if change is not None:
                        change.status = ChangeStatus.SUPERSEDED
                        change.save(update_fields=["status"])
                    change = PageChange.objects.create(
                        organization_id=page.organization_id,
                        page=page,
                        snapshot=snapshot,
                        baseline=page.baseline,
                        detected_at=now,
                        level=level,
                        reasons=[item.to_dict() for item in result.change.reasons],
                    )
                    page.pending_change = change
                page.header_issues = [item.to_dict() for item in result.header_issues]
                page.headers_checked_at = now
                _record_software(page, fp.software, now)
                if not is_https:
                    issue = check_https_redirect(
                        page.url, result.fetch.final_url, result.fetch.status
                    )
                    page.redirect_issue = issue.to_dict() if issue else None
            open_change = (
                change if change is not None and change.status == ChangeStatus.OPEN else None
            )
            page.state = (
                PageState.DANGER
                if open_change is not None and open_change.level == "danger"
                else PageState.CHANGED
                if open_change is not None
                else PageState.OK
            )
        if redirect_result is not None:
            issue = check_https_redirect(
                _http_variant(page.url), redirect_result.final_url, redirect_result.status
            )
            page.redirect_issue = issue.to_dict() if issue else None
            page.redirect_checked_at = now
        if certificate is not None:
            page.certificate = certificate
            page.cert_checked_at = now
        fields = [
            "last_checked_at",
            "last_status",
            "failures",
            "problem",
            "state",
            "etag",
            "last_modified",
            "header_issues",
            "headers_checked_at",
            "learned",
            "learn_checks_left",
            "software",
            "redirect_issue",
            "redirect_checked_at",
            "certificate",
            "cert_checked_at",
            "pending_change",
        ]
        if page.baseline_at == now:
            fields += ["baseline", "baseline_at"]  # the (large) baseline is written only when set
        page.save(update_fields=fields)
        after_specs = page_specs(page, change)
        after = _signature(after_specs)
        changed_kinds = [kind for kind in ALL_KINDS if before.get(kind) != after.get(kind)]
        # A finding that appears or changes is this page's alone (complete=False); one that
        # disappears is resolved by syncing the kind over all pages (rare: a state ending).
        gone = [kind for kind in changed_kinds if kind not in after_specs]
        for kind in changed_kinds:
            if kind in after_specs:
                sync(
                    page.organization,
                    kind,
                    [after_specs[kind]],
                    default_severity=SEVERITY[kind],
                    complete=False,
                )
        if gone:
            sync_findings(page.organization, gone)
    return page
