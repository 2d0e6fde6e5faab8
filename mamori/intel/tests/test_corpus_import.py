"""Real downloaded files (the shared corpus) imported into the store, twice: the second import
changes nothing. Skipped where the corpus is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.core.corpus import corpus_dir
from mamori.intel.models import Advisory, AdvisoryKey
from mamori.intel.parsers import parse_any
from mamori.intel.store import import_advisories


def _files() -> list[Path]:
    found: list[Path] = []
    for parts in (("feeds", "jvn_rdf"), ("vulns", "nvd_cve_json_2.0")):
        folder = corpus_dir(*parts)
        if folder is not None:
            found.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    kev = corpus_dir("vulns", "cisa_kev", "known_exploited_vulnerabilities.json")
    if kev is not None:
        found.append(kev)
    return found


@pytest.mark.django_db
def test_corpus_files_import_and_reimport_in_place() -> None:
    files = _files()
    if not files:
        pytest.skip("shared corpus (feeds/jvn_rdf, vulns/…) not on this machine")
    parsed = []
    for path in files:
        parsed.extend(parse_any(path.read_bytes(), path.name).advisories)
    assert parsed
    first = import_advisories(parsed)
    stored = Advisory.objects.count()
    assert first.created == stored > 0
    assert AdvisoryKey.objects.filter(key__startswith="cpe:").exists()
    second = import_advisories(parsed)
    assert second.created == 0 and second.updated == 0
    assert Advisory.objects.count() == stored
    # KEV entries carry their due date into the indexed column.
    assert Advisory.objects.filter(kev=True, kev_due_date__isnull=False).exists()
