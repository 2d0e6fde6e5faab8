"""Advisory sources fetched by the worker: NVD CVE API 2.0, CISA KEV, JVN iPedia RDF, and the
MyJVN API (getVulnOverviewList: JVN iPedia entries updated since the last run, 50 a page).

NVD: paged (`startIndex`, `resultsPerPage`), incremental by lastModified (the cursor is the end of
the last window fully read; at most 120 days per window, as the API requires), rate-limit aware
(a pause between requests: 6 s without an API key, 0.6 s with `MAMORI_NVD_API_KEY`; 403/429/503
answers wait and retry, then give up keeping the cursor where it was). KEV and JVN are single
documents fetched with conditional GET. MyJVN: paged by `startItem`, incremental by the
last-updated date (`datePublished*`); a pause between pages, 429/503 answers wait and retry; a
run that stops early keeps its place (cursor "YYYY-MM-DD#startItem") for the next one. Long
runs keep their job: the worker renews a running job's lease.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from mamori.core.http import fetch
from mamori.intel.model import AdvisoryResult
from mamori.intel.parsers import parse_jvn_rdf, parse_kev, parse_nvd

from .models import SyncState
from .store import ImportResult, import_advisories

NVD_URL = "https://services.nvd.nist.gov/rest/json/cves/2.0"
KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
JVN_URL = "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"
MYJVN_URL = "https://jvndb.jvn.jp/myjvn"
MYJVN_PAGE_SIZE = 50  # the API's maximum for getVulnOverviewList
MYJVN_MAX_PAGES = 100  # per run
MYJVN_PAUSE_SECONDS = 2.0
MYJVN_FIRST_WINDOW = dt.timedelta(days=30)
NVD_PAGE_SIZE = 2000
NVD_MAX_WINDOW = dt.timedelta(days=120)
NVD_MAX_PAGES = 200  # per run; the next run continues from the cursor
NVD_RETRIES = 3
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024

SOURCES = ("nvd", "kev", "jvn", "myjvn")


def source_url(source: str) -> str:
    configured = getattr(settings, f"INTEL_{source.upper()}_URL", "")
    defaults = {"nvd": NVD_URL, "kev": KEV_URL, "jvn": JVN_URL, "myjvn": MYJVN_URL}
    return configured or defaults[source]


def _state(source: str) -> SyncState:
    state, _ = SyncState.objects.get_or_create(source=source)
    return state


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def sync_nvd(
    *,
    allow_networks: Iterable[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: dt.datetime | None = None,
) -> ImportResult:
    state = _state("nvd")
    now = now or timezone.now()
    api_key = getattr(settings, "NVD_API_KEY", "")
    pause = 0.6 if api_key else 6.0
    start = dt.datetime.fromisoformat(state.cursor) if state.cursor else now - NVD_MAX_WINDOW
    end = min(now, start + NVD_MAX_WINDOW)
    total = ImportResult()
    index = 0
    state.last_run_at = now
    for page in range(NVD_MAX_PAGES):
        query = urllib.parse.urlencode(
            {
                "lastModStartDate": _stamp(start),
                "lastModEndDate": _stamp(end),
                "startIndex": index,
                "resultsPerPage": NVD_PAGE_SIZE,
            }
        )
        if page:
            sleep(pause)
        result, error = _nvd_page(f"{source_url('nvd')}?{query}", api_key, allow_networks, sleep)
        if error:
            state.last_error = error
            state.save()
            total.add(ImportResult())
            return total
        assert result is not None
        total.add(import_advisories(result.advisories))
        next_index = result.next_start_index
        if next_index is None:
            state.cursor = end.isoformat()
            state.last_error = ""
            state.last_success_at = now
            break
        index = next_index
    state.imported += total.created + total.updated
    state.save()
    rematch_after(total)
    return total


def _nvd_page(
    url: str,
    api_key: str,
    allow_networks: Iterable[str] | None,
    sleep: Callable[[float], None],
) -> tuple[AdvisoryResult | None, str]:
    headers = {"apiKey": api_key} if api_key else {}
    error = ""
    for attempt in range(NVD_RETRIES):
        response = fetch(
            url,
            headers=headers,
            max_bytes=MAX_DOCUMENT_BYTES,
            timeout=120.0,
            allow_networks=allow_networks,
        )
        if response.error:
            error = f"[{response.error_kind}] {response.error}"
        elif response.status in (403, 429, 503):
            error = f"HTTP {response.status}: rate limited by NVD"
            sleep(30.0 * (attempt + 1))  # NVD's rolling window is 30 seconds
            continue
        elif response.status != 200:
            return None, f"HTTP {response.status}"
        else:
            parsed = parse_nvd(response.content, max_bytes=MAX_DOCUMENT_BYTES)
            if parsed.errors and not parsed.advisories and parsed.total_results is None:
                return None, "; ".join(parsed.errors)[:500]
            return parsed, ""
    return None, error


def _myjvn_cursor(state: SyncState, now: dt.datetime) -> tuple[dt.date, int]:
    day_text, _, start_text = (state.cursor or "").partition("#")
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        day = (now - MYJVN_FIRST_WINDOW).date()
    return day, int(start_text) if start_text.isdigit() else 1


def sync_myjvn(
    *,
    allow_networks: Iterable[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: dt.datetime | None = None,
) -> ImportResult:
    """JVN iPedia entries updated since the last run, through the MyJVN API."""

    state = _state("myjvn")
    now = now or timezone.now()
    since, start = _myjvn_cursor(state, now)
    today = now.astimezone(dt.UTC).date()
    state.last_run_at = now
    total = ImportResult()
    for page in range(MYJVN_MAX_PAGES):
        query = urllib.parse.urlencode(
            {
                "method": "getVulnOverviewList",
                "feed": "hnd",
                "rangeDatePublic": "n",
                "rangeDatePublished": "n",
                "rangeDateFirstPublished": "n",
                "datePublishedStartY": since.year,
                "datePublishedStartM": f"{since.month:02d}",
                "datePublishedStartD": f"{since.day:02d}",
                "startItem": start,
                "maxCountItem": MYJVN_PAGE_SIZE,
                "lang": "ja",
            }
        )
        if page:
            sleep(MYJVN_PAUSE_SECONDS)
        result, error = _myjvn_page(f"{source_url('myjvn')}?{query}", allow_networks, sleep)
        if error:
            state.last_error = error[:500]
            state.cursor = f"{since.isoformat()}#{start}"
            break
        assert result is not None
        total.add(import_advisories(result.advisories))
        next_index = result.next_start_index
        if next_index is None:
            state.cursor = today.isoformat()  # re-read today next time: the day is not over
            state.last_error = ""
            state.last_success_at = now
            break
        start = next_index + 1
    else:
        state.cursor = f"{since.isoformat()}#{start}"  # page limit: continue here next run
    state.imported += total.created + total.updated
    state.save()
    rematch_after(total)
    return total


def _myjvn_page(
    url: str, allow_networks: Iterable[str] | None, sleep: Callable[[float], None]
) -> tuple[AdvisoryResult | None, str]:
    from mamori.intel.parsers import parse_myjvn

    error = ""
    for attempt in range(NVD_RETRIES):
        response = fetch(
            url, max_bytes=MAX_DOCUMENT_BYTES, timeout=60.0, allow_networks=allow_networks
        )
        if response.error:
            return None, f"[{response.error_kind}] {response.error}"
        if response.status in (429, 503):
            error = f"HTTP {response.status}: MyJVN asked us to slow down"
            sleep(30.0 * (attempt + 1))
            continue
        if response.status != 200:
            return None, f"HTTP {response.status}"
        parsed = parse_myjvn(response.content, max_bytes=MAX_DOCUMENT_BYTES)
        api_errors = [e for e in parsed.errors if e.startswith("MyJVN API error")]
        if api_errors:
            return None, api_errors[0]
        if parsed.errors and not parsed.advisories and parsed.total_results is None:
            return None, "; ".join(parsed.errors)[:500]
        return parsed, ""
    return None, error


def sync_document(source: str, *, allow_networks: Iterable[str] | None = None) -> ImportResult:
    """KEV or JVN: one document with conditional GET."""
    state = _state(source)
    state.last_run_at = timezone.now()
    response = fetch(
        source_url(source),
        etag=state.etag or None,
        last_modified=state.last_modified or None,
        max_bytes=MAX_DOCUMENT_BYTES,
        timeout=60.0,
        allow_networks=allow_networks,
    )
    result = ImportResult()
    if response.error or response.status not in (200, 304):
        state.last_error = (
            f"[{response.error_kind}] {response.error}"
            if response.error
            else f"HTTP {response.status}"
        )
        state.save()
        return result
    if response.status == 200:
        parser: Callable[..., AdvisoryResult] = parse_kev if source == "kev" else parse_jvn_rdf
        parsed = parser(response.content, max_bytes=MAX_DOCUMENT_BYTES)
        if parsed.errors and not parsed.advisories:
            state.last_error = "; ".join(parsed.errors)[:500]
            state.save()
            return result
        result = import_advisories(parsed.advisories)
        state.etag = (response.etag or "")[:300]
        state.last_modified = (response.last_modified or "")[:100]
        state.imported += result.created + result.updated
    state.last_error = ""
    state.last_success_at = state.last_run_at
    state.save()
    rematch_after(result)
    return result


def affected_organisations(product_keys: set[str]) -> list[int]:
    """Organisations with software (or a website CMS) whose look-up keys meet these advisory
    product keys."""
    from mamori.inventory.models import Software, Website

    from .vulnmatch import cms_cpe, parse_plugins, plugin_keys, software_cpe, software_keys

    if not product_keys:
        return []
    found: set[int] = set()
    for org_id, vendor, product, version, cpe23 in Software.objects.filter(
        archived_at__isnull=True
    ).values_list("organization_id", "vendor", "product", "version", "cpe23"):
        if org_id in found:
            continue
        cpe = software_cpe(vendor, product, version, cpe23)
        if software_keys(cpe, vendor, product) & product_keys:
            found.add(org_id)
    for org_id, cms, version, plugins in (
        Website.objects.filter(archived_at__isnull=True)
        .exclude(cms="", cms_plugins="")
        .values_list("organization_id", "cms", "cms_version", "cms_plugins")
    ):
        if org_id in found:
            continue
        keys = software_keys(cms_cpe(cms, version), cms, cms) if cms else set()
        for name, _ in parse_plugins(plugins):
            keys |= plugin_keys(name, product_keys)
        if keys & product_keys:
            found.add(org_id)
    return sorted(found)


def rematch_after(result: ImportResult, *, now: bool = False) -> int:
    """Match newly imported advisories for the organisations they concern: at once (command
    line) or as jobs. Each such organisation also keeps a daily full re-match."""
    from mamori.core.jobs import enqueue, schedule
    from mamori.orgs.models import Organization

    from .vulnmatch import match_new

    organisations = affected_organisations(result.keys)
    for org_id in organisations:
        if now:
            org = Organization.objects.filter(pk=org_id).first()
            if org is not None:
                match_new(org, result.touched)
        else:
            enqueue(
                "intel.match_new",
                {"organization_id": org_id, "advisory_ids": result.touched},
                organization_id=org_id,
            )
        schedule(
            "intel.rematch",
            unique_key=f"intel.rematch:{org_id}",
            every_seconds=24 * 3600,
            payload={"organization_id": org_id},
            organization_id=org_id,
        )
    return len(organisations)


def ensure_scheduled() -> None:
    """The advisory sources run as recurring jobs (idempotent)."""
    from mamori.core.jobs import schedule

    schedule("intel.sync_nvd", unique_key="intel.sync:nvd", every_seconds=2 * 3600)
    schedule("intel.sync_kev", unique_key="intel.sync:kev", every_seconds=6 * 3600)
    schedule("intel.sync_jvn", unique_key="intel.sync:jvn", every_seconds=3600)
    schedule("intel.sync_myjvn", unique_key="intel.sync:myjvn", every_seconds=6 * 3600)


def status() -> list[dict[str, Any]]:
    states = {s.source: s for s in SyncState.objects.all()}
    return [{"source": source, "state": states.get(source)} for source in SOURCES]
