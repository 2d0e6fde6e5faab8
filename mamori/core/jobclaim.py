"""The common job claim in one statement (issue 20: one round trip to claim).

PostgreSQL:
    UPDATE core_job SET status = 'running', leased_by = …, leased_until = …, attempts = attempts + 1
    WHERE id = (SELECT id FROM core_job WHERE status = 'queued' AND run_at <= now
                ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      AND NOT EXISTS (a running job whose lease expired)
    RETURNING every column
SQLite (≥ 3.35 has RETURNING; writers are serialised, so the sub-select needs no lock): the same
statement without FOR UPDATE SKIP LOCKED.

Only a due queued job is claimed here. When a lease has expired the statement claims nothing, and
jobs.claim takes its general path (which reclaims expired leases first, as before); it does the
same when nothing is due, so the idle poll and the rare cases keep their tested code.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from django.db import connection

from mamori.core.models import Job, JobStatus

_FIELDS = Job._meta.concrete_fields
_TABLE = Job._meta.db_table


def supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35, 0)


def _sql() -> str:
    quote = connection.ops.quote_name
    returning = ", ".join(quote(field.column) for field in _FIELDS)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # Identifiers come from the model's metadata only; every value is a parameter.
    return (
        f"UPDATE {quote(_TABLE)} SET status = %s, leased_by = %s, leased_until = %s,"  # noqa: S608
        " attempts = attempts + 1"
        f" WHERE id = (SELECT id FROM {quote(_TABLE)} WHERE status = %s AND run_at <= %s"
        f" ORDER BY run_at, id LIMIT 1{lock})"
        f" AND NOT EXISTS (SELECT 1 FROM {quote(_TABLE)} WHERE status = %s AND leased_until < %s)"
        f" RETURNING {returning}"
    )


def _job_from_row(row: tuple[Any, ...]) -> Job:
    """A Job from a raw row, each value through the converters a query would apply."""
    values = []
    for field, value in zip(_FIELDS, row, strict=True):
        column = field.get_col(_TABLE)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
            connection
        ):
            value = converter(value, column, connection)
        values.append(value)
    return Job.from_db(connection.alias, [field.attname for field in _FIELDS], values)


def claim_due(worker_name: str, moment: datetime, until: datetime) -> Job | None:
    """Claim the due queued job that waited longest, in one statement; None when none was
    claimed (nothing due, all due rows locked by other workers, or an expired lease waiting)."""
    stamp = connection.ops.adapt_datetimefield_value
    params = [
        JobStatus.RUNNING,
        worker_name,
        stamp(until),
        JobStatus.QUEUED,
        stamp(moment),
        JobStatus.RUNNING,
        stamp(moment),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        row = cursor.fetchone()
    return None if row is None else _job_from_row(row)
