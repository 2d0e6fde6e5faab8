"""A tampered database, as someone with write access to it (but not to the data folder) would
leave it: newest events deleted, all deleted, a row rewritten and the chain re-hashed. Each is
found by `mamori audit verify`, which names what is missing or changed.

Run on both engines:
    .venv/bin/pytest mamori/audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mamori_x .venv/bin/pytest mamori/audit
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from mamori.audit import chain
from mamori.audit.command import main as audit_main
from mamori.audit.models import AuditEvent
from mamori.audit.services import record
from mamori.audit.verify import verify_chain

committed = pytest.mark.django_db(transaction=True)


def _five_events() -> list[AuditEvent]:
    return [record("test.event", changes={"n": n}, ip="192.0.2.7") for n in range(5)]


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _verify(capsys: Any) -> tuple[int, str]:
    capsys.readouterr()
    code = audit_main(["verify"])
    return code, capsys.readouterr().out


def _english(report: Any) -> list[str]:
    with translation.override("en"):
        return [problem.text() for problem in report.problems]


@committed
def test_every_committed_event_is_recorded_in_the_head_file(own_head_file: Path) -> None:
    events = _five_events()
    lines = [json.loads(line) for line in own_head_file.read_text().splitlines()]
    assert [(line["seq"], line["hash"]) for line in lines] == [(e.seq, e.hash) for e in events]
    assert own_head_file.stat().st_mode & 0o777 == 0o600
    assert verify_chain().intact


@committed
def test_deleting_the_newest_events_is_found(capsys: Any) -> None:
    events = _five_events()
    _sql("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].id])

    report = verify_chain()
    assert [p.code for p in report.problems] == ["truncated"]
    (text,) = _english(report)
    assert text.startswith("The newest events #4 to #5 are missing: the head file")
    assert "the trail now ends at #3" in text
    code, out = _verify(capsys)
    assert code == 1
    assert "最新の記録 #4〜#5 がありません" in out


@committed
def test_deleting_every_event_is_found(capsys: Any) -> None:
    _five_events()
    _sql("DELETE FROM audit_auditevent")

    report = verify_chain()
    assert [p.code for p in report.problems] == ["emptied"]
    (text,) = _english(report)
    assert text.startswith("All 5 events are missing")
    code, out = _verify(capsys)
    assert code == 1
    assert "5 件の記録がすべてありません" in out


def _rehash(events: list[AuditEvent], position: int, hasher: Any) -> None:
    """Rewrite one event and recompute every hash from it on, as an attacker would."""
    rows = list(AuditEvent.objects.order_by("id"))
    rows[position].actor_label = "mallory"
    prev = rows[position - 1].hash
    for row in rows[position:]:
        row.prev_hash = prev
        row.hash = hasher(row)
        prev = row.hash
        _sql(
            "UPDATE audit_auditevent SET actor_label = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.actor_label, row.prev_hash, row.hash, row.id],
        )


@committed
def test_rewriting_a_row_and_rehashing_without_the_key_is_found(capsys: Any) -> None:
    events = _five_events()
    # The hashing an attacker can compute from the database alone (the old, unkeyed one).
    _rehash(events, 2, lambda row: hashlib.sha256(row.canonical()).hexdigest())

    report = verify_chain()
    assert [(p.code, p.seq) for p in report.problems] == [
        ("changed", 3),
        ("changed", 4),
        ("changed", 5),
        ("head_differs", 0),
    ]
    assert _english(report)[0].startswith("Event #3 (")
    code, out = _verify(capsys)
    assert code == 1
    assert "記録 #3" in out


@committed
def test_rewriting_and_rehashing_even_with_the_key_is_found_by_the_head(capsys: Any) -> None:
    events = _five_events()
    key = chain.chain_key()
    _rehash(events, 1, lambda row: chain.keyed_hash(row, key))

    report = verify_chain()
    # Every row checks out on its own; the head recorded outside the database does not.
    assert [p.code for p in report.problems] == ["head_differs"]
    (text,) = _english(report)
    assert text.startswith("Event #2 is not the event the head file")
    code, _out = _verify(capsys)
    assert code == 1


@committed
def test_a_head_file_that_was_never_written_is_a_warning(own_head_file: Path, capsys) -> None:
    _five_events()
    own_head_file.unlink()
    report = verify_chain()
    assert report.intact
    assert [w.code for w in report.warnings] == ["no_head"]
    code, out = _verify(capsys)
    assert code == 0
    assert "先頭記録がありません" in out


@committed
def test_chain_written_with_another_key_is_named_once(settings: Any, tmp_path: Path) -> None:
    _five_events()
    settings.INSTALL_KEY_FILE = tmp_path / "other-install-key"
    report = verify_chain()
    assert [p.code for p in report.problems] == ["all_changed"]
    assert "other-install-key" in _english(report)[0]


@committed
def test_upgrade_rekeys_an_existing_chain_once_and_audits_it(own_head_file: Path) -> None:
    """Migration audit.0002 numbers and re-keys the old unkeyed chain, reporting what the old
    check found (here: one row changed before the upgrade)."""
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    try:
        old = executor.loader.project_state([("audit", "0001_initial")]).apps
        legacy = old.get_model("audit", "AuditEvent")
        prev = chain.GENESIS_HASH
        for n in range(3):
            event = legacy(
                created_at=timezone.now(), action="old.event", changes={"n": n}, prev_hash=prev
            )
            event.hash = chain.legacy_hash(event)
            event.save()
            prev = event.hash
        _sql("UPDATE audit_auditevent SET action = 'forged' WHERE hash = %s", [prev])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    rows = list(AuditEvent.objects.order_by("id"))
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    rekeyed = rows[-1]
    assert rekeyed.action == "audit.chain_rekeyed"
    assert rekeyed.changes["events"] == 3
    assert rekeyed.changes["previous_check"].startswith("1 problem(s)")
    report = verify_chain()
    assert report.intact, _english(report)
    assert report.reset is not None and report.reset.reset == "rekeyed"
    assert report.heads_checked == 2


@pytest.mark.django_db
def test_an_empty_trail_without_a_head_file_is_simply_intact() -> None:
    report = verify_chain()
    assert (report.events, report.problems, report.warnings) == (0, [], [])
