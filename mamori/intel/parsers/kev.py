"""The CISA Known Exploited Vulnerabilities catalogue, JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from mamori.intel.model import Advisory, AdvisoryResult, KevInfo, ProductName, Reference
from mamori.intel.parsers.common import (
    DEFAULT_MAX_BYTES,
    InputError,
    as_dict,
    as_list,
    as_str,
    clean_text,
    load_json,
    normalise_cve,
    parse_day,
)

KEV_MAX_ITEMS = 100_000
_URL_RE = re.compile(r"https?://[^\s;,\"']{1,2000}")
_COLUMNS = {"cveID", "vendorProject", "product", "dateAdded", "dueDate"}


def parse_kev(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_items: int = KEV_MAX_ITEMS
) -> AdvisoryResult:
    """Advisories (with `kev` set) from the KEV catalogue in JSON or CSV. Never raises."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"{":
        return _from_json(data, max_bytes, max_items)
    return _from_csv(data, max_bytes, max_items)


def _from_json(data: bytes, max_bytes: int, max_items: int) -> AdvisoryResult:
    result = AdvisoryResult(format="kev-json")
    try:
        document = as_dict(load_json(data, max_bytes=max_bytes))
    except InputError as exc:
        result.errors.append(str(exc))
        return result
    if "vulnerabilities" not in document:
        result.errors.append("not a KEV catalogue (no 'vulnerabilities')")
        return result
    _collect(result, [as_dict(row) for row in as_list(document["vulnerabilities"])], max_items)
    return result


def _from_csv(data: bytes, max_bytes: int, max_items: int) -> AdvisoryResult:
    result = AdvisoryResult(format="kev-csv")
    if len(data) > max_bytes:
        result.errors.append(f"too large: {len(data)} bytes (limit {max_bytes})")
        return result
    text = data.decode("utf-8-sig", errors="replace")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or not _COLUMNS.issubset(set(reader.fieldnames)):
            result.errors.append("not a KEV catalogue (CSV columns missing)")
            return result
        rows: list[dict] = []
        for row in reader:
            rows.append(row)
            if len(rows) > max_items:
                break
    except csv.Error as exc:
        result.errors.append(f"malformed CSV: {str(exc)[:200]}")
        return result
    _collect(result, rows, max_items)
    return result


def _collect(result: AdvisoryResult, rows: list[dict], max_items: int) -> None:
    skipped = 0
    for row in rows[:max_items]:
        advisory = _row(row)
        if advisory is None:
            skipped += 1
        else:
            result.advisories.append(advisory)
    if skipped:
        result.errors.append(f"{skipped} row(s) without a CVE id were skipped")
    if len(rows) > max_items:
        result.errors.append(f"too many rows: kept the first {max_items}")


def _row(row: dict) -> Advisory | None:
    cve = normalise_cve(as_str(row.get("cveID"), limit=40))
    if not cve:
        return None
    ransomware = as_str(row.get("knownRansomwareCampaignUse")).lower()
    added = parse_day(as_str(row.get("dateAdded"), limit=40))
    advisory = Advisory(
        source="kev",
        cve_ids=[cve],
        title_en=clean_text(as_str(row.get("vulnerabilityName")), limit=1000),
        summary_en=clean_text(as_str(row.get("shortDescription"))),
        products=[
            ProductName(
                vendor=as_str(row.get("vendorProject"), limit=200),
                product=as_str(row.get("product"), limit=200),
            )
        ],
        kev=KevInfo(
            date_added=added,
            due_date=parse_day(as_str(row.get("dueDate"), limit=40)),
            ransomware=True if ransomware == "known" else False if ransomware == "no" else None,
            required_action=clean_text(as_str(row.get("requiredAction")), limit=2000),
        ),
        link=f"https://nvd.nist.gov/vuln/detail/{cve}",
    )
    if added is not None:
        advisory.published = dt.datetime(added.year, added.month, added.day, tzinfo=dt.UTC)
        advisory.modified = advisory.published
    for url in _URL_RE.findall(as_str(row.get("notes")))[:50]:
        advisory.references.append(Reference(url=url.rstrip(".)"), source="CISA KEV"))
    return advisory
