"""Storing advisories (global, public data): import with update in place.

Each stored advisory keeps every source's own version in `parts` ({"nvd:CVE-…": {…}}); a
re-import of one source replaces its part, and the merged advisory (`data` and the indexed
columns) is rebuilt from the parts. Nothing a source stopped saying lingers, and nothing another
source said is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from mamori.intel.matching.cpe import ANY, NA, Cpe, CpeError, normalise_name
from mamori.intel.merge import merge_advisories
from mamori.intel.model import Advisory as AdvisoryData
from mamori.intel.model import advisory_from_dict, advisory_to_dict
from mamori.intel.policy import severity_of

from .models import Advisory, AdvisoryKey

BATCH_SIZE = 500
KEY_MAX = 200


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: list[int] = field(default_factory=list)  # primary keys of created/updated rows
    keys: set[str] = field(default_factory=set)  # product keys of created/updated rows

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.touched.extend(other.touched)
        self.keys |= other.keys


def compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in "_-. ")


def name_keys(vendor: str, product: str) -> set[str]:
    """ "name:…" look-up keys of a product known by name (as the matcher's name fallback)."""
    vendor_part = compact(normalise_name(vendor, vendor=True))
    product_full = normalise_name(product)
    stripped = product_full
    vendor_words = normalise_name(vendor, vendor=True)
    if vendor_words and product_full.startswith(vendor_words + "_"):
        stripped = product_full[len(vendor_words) + 1 :]
    keys = {compact(stripped), compact(product_full), vendor_part + compact(product_full)}
    return {f"name:{k}"[:KEY_MAX] for k in keys if k}


def cpe_key(vendor: str, product: str) -> str:
    return f"cpe:{vendor}:{product}"[:KEY_MAX]


def advisory_keys(advisory: AdvisoryData) -> tuple[set[str], set[str]]:
    """(id keys, product keys) of a merged advisory."""
    ids = {f"id:{cve.upper()}" for cve in advisory.cve_ids}
    if advisory.jvndb_id:
        ids.add(f"id:{advisory.jvndb_id.upper()}")
    products: set[str] = set()
    for criterion in advisory.criteria:
        try:
            cpe = Cpe.parse(criterion.cpe23)
        except CpeError:
            continue
        if cpe.vendor not in (ANY, NA) and cpe.product not in (ANY, NA):
            products.add(cpe_key(cpe.vendor, cpe.product))
    for name in advisory.products:
        products |= name_keys(name.vendor, name.product)
    return {k[:KEY_MAX] for k in ids}, products


def _part_key(advisory: AdvisoryData) -> str:
    return f"{advisory.source}:{advisory.advisory_id}"


def _columns(row: Advisory, merged: AdvisoryData) -> None:
    best = merged.best_cvss()
    row.advisory_id = merged.advisory_id[:64]
    row.cve_ids = " ".join(merged.cve_ids)
    row.jvndb_id = merged.jvndb_id[:32]
    row.title_ja = merged.title_ja
    row.title_en = merged.title_en
    row.sources = merged.source[:64]
    row.published = merged.published
    row.modified = merged.modified
    row.cvss_score = best.score if best else None
    row.cvss_version = best.version[:8] if best else ""
    row.severity = severity_of(merged)
    row.kev = merged.kev is not None
    row.kev_due_date = merged.kev.due_date if merged.kev else None
    row.data = advisory_to_dict(merged)


def _aware(advisory: AdvisoryData) -> AdvisoryData:
    # Some sources give naive times; the database wants aware ones (UTC assumed).
    for name in ("published", "modified"):
        value: dt.datetime | None = getattr(advisory, name)
        if value is not None and value.tzinfo is None:
            setattr(advisory, name, value.replace(tzinfo=dt.UTC))
    return advisory


def _batches(items: Iterable[AdvisoryData], size: int) -> Iterator[list[AdvisoryData]]:
    batch: list[AdvisoryData] = []
    for item in items:
        if not item.advisory_id:
            continue
        batch.append(_aware(item))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_advisories(advisories: Iterable[AdvisoryData]) -> ImportResult:
    """Store or update advisories; one transaction per batch (a crash loses at most a batch)."""
    total = ImportResult()
    for batch in _batches(advisories, BATCH_SIZE):
        total.add(_import_batch(batch))
    return total


def _import_batch(batch: list[AdvisoryData]) -> ImportResult:
    result = ImportResult()
    now = timezone.now()
    with transaction.atomic():
        wanted = {key for a in batch for key in advisory_keys(a)[0]}
        owner: dict[str, int] = dict(
            AdvisoryKey.objects.filter(key__in=wanted).values_list("key", "advisory_id")
        )
        rows: dict[int, Advisory] = {
            row.pk: row for row in Advisory.objects.filter(pk__in=set(owner.values()))
        }
        before = {pk: row.parts for pk, row in rows.items()}
        fresh: list[Advisory] = []  # new rows of this batch (no pk yet)
        fresh_owner: dict[str, Advisory] = {}
        obsolete: set[int] = set()
        for advisory in batch:
            ids = advisory_keys(advisory)[0]
            targets = {owner[k] for k in ids if k in owner} - obsolete
            new_targets = {id(fresh_owner[k]): fresh_owner[k] for k in ids if k in fresh_owner}
            part = advisory_to_dict(advisory)
            if targets:
                keep = rows[min(targets)]
                for other_pk in sorted(targets - {keep.pk}):  # this advisory links two rows
                    keep.parts = {**rows[other_pk].parts, **keep.parts}
                    obsolete.add(other_pk)
                for row in new_targets.values():
                    keep.parts = {**row.parts, **keep.parts}
                    fresh.remove(row)
                keep.parts = {**keep.parts, _part_key(advisory): part}
                target = keep
            elif new_targets:
                target = next(iter(new_targets.values()))
                target.parts = {**target.parts, _part_key(advisory): part}
            else:
                target = Advisory(parts={_part_key(advisory): part}, imported_at=now)
                fresh.append(target)
            for key in ids:
                if target.pk:
                    owner[key] = target.pk
                else:
                    fresh_owner[key] = target
        changed: list[Advisory] = []
        for row in [*rows.values(), *fresh]:
            if row.pk in obsolete:
                continue
            if row.pk and before.get(row.pk) == row.parts:
                result.unchanged += 1
                continue
            merged = merge_advisories(advisory_from_dict(p) for p in row.parts.values())
            _columns(row, merged[0])
            row.updated_at = now
            changed.append(row)
        if obsolete:
            _absorb_obsolete(obsolete, rows)
        existing = [row for row in changed if row.pk]
        new_rows = [row for row in changed if not row.pk]
        fields = [f.name for f in Advisory._meta.concrete_fields if not f.primary_key]
        if existing:
            Advisory.objects.bulk_update(existing, fields, batch_size=200)
        if new_rows:
            _free_ids(new_rows)
            Advisory.objects.bulk_create(new_rows, batch_size=200)
            if any(row.pk is None for row in new_rows):  # backends without RETURNING
                by_id = dict(
                    Advisory.objects.filter(
                        advisory_id__in=[r.advisory_id for r in new_rows]
                    ).values_list("advisory_id", "pk")
                )
                for row in new_rows:
                    row.pk = by_id[row.advisory_id]
        AdvisoryKey.objects.filter(advisory_id__in=[row.pk for row in changed]).delete()
        key_rows = []
        for row in changed:
            ids, products = advisory_keys(advisory_from_dict(row.data))
            key_rows.extend(AdvisoryKey(advisory_id=row.pk, key=k) for k in ids | products)
            result.keys |= products
        AdvisoryKey.objects.bulk_create(key_rows, batch_size=1000, ignore_conflicts=True)
        result.created = len(new_rows)
        result.updated = len(existing)
        result.touched = [row.pk for row in changed]
    return result


def _free_ids(new_rows: list[Advisory]) -> None:
    """A new merged row may take an advisory_id held by an unrelated row only in odd data; keep
    the unique column safe by suffixing such a clash."""
    taken = set(
        Advisory.objects.filter(advisory_id__in=[r.advisory_id for r in new_rows]).values_list(
            "advisory_id", flat=True
        )
    )
    seen: set[str] = set()
    for row in new_rows:
        if row.advisory_id in taken or row.advisory_id in seen:
            row.advisory_id = f"{row.advisory_id[:50]}#{len(seen)}"
        seen.add(row.advisory_id)


def _absorb_obsolete(obsolete: set[int], rows: dict[int, Advisory]) -> None:
    """Rows joined into another: decisions follow the surviving row, then the rows go."""
    from .models import Decision

    survivors = [row for pk, row in rows.items() if pk not in obsolete]
    for old_pk in obsolete:
        survivor = next((r for r in survivors if set(rows[old_pk].parts) <= set(r.parts)), None)
        if survivor is None:
            continue
        for decision in Decision.objects.filter(advisory_id=old_pk):
            clash = Decision.objects.filter(
                software_id=decision.software_id,
                advisory_id=survivor.pk,
                version=decision.version,
            ).exists()
            if not clash:
                Decision.objects.filter(pk=decision.pk).update(advisory_id=survivor.pk)
    Advisory.objects.filter(pk__in=obsolete).delete()
