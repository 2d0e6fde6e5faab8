"""The common job claim in one statement (issue 20: one round trip to claim), for a list of
named queues taken in order (issue 19: urgent before default before bulk).

PostgreSQL:
    UPDATE core_job SET status = 'running', leased_by = …, leased_until = …, attempts = attempts + 1
    WHERE id = COALESCE(
        (SELECT id FROM core_job WHERE status = 'queued' AND queue = 'urgent' AND run_at <= now
         ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (the same for 'default'), …)
      AND NOT EXISTS (a running job of these queues whose lease expired)
    RETURNING every column
One sub-select per queue rather than ORDER BY a queue rank: each walks the index (status, queue,
run_at, id) from its start and stops at the first row it can lock, and COALESCE evaluates them
lazily, so a later queue is looked at (and locked) only when the earlier ones have nothing due.
An ORDER BY over a computed rank could not use the index and would sort every due row.
SQLite (≥ 3.35 has RETURNING; writers are serialised, so the sub-selects need no lock): the same
statement without FOR UPDATE SKIP LOCKED (its coalesce() is lazy too).

A busy worker records a success and claims its next job in one transaction
(complete_and_claim): WITH finished AS (the conditional UPDATE of complete() … RETURNING 1),
claimed AS (the claim above) SELECT both — one commit per job instead of two.

Only a due queued job is claimed here. When a lease of these queues has expired the statement
claims nothing, and jobs.claim takes its general path (which reclaims expired leases first, as
before); it does the same when nothing is due, so the idle poll and the rare cases keep their
tested code.
"""

from __future__ import annotations

import functools
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from mamori.core.models import Job, JobStatus

_FIELDS = Job._meta.concrete_fields
_TABLE = Job._meta.db_table
_ATTNAMES = [field.attname for field in _FIELDS]


def supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35, 0)


def _first_due(queue_count: int, lock: str) -> str:
    """The id of the first due job of the first queue that has one (parameters: status, queue,
    moment per queue). Each sub-select is ordered like the index, so the planner walks it
    (without ORDER BY, PostgreSQL may estimate matching rows from the columns independently,
    expect many, and scan the table for one that does not exist)."""
    table = connection.ops.quote_name(_TABLE)
    firsts = [
        f"(SELECT id FROM {table} WHERE status = %s AND queue = %s AND run_at <= %s"  # noqa: S608
        f" ORDER BY run_at, id LIMIT 1{lock})"
    ] * queue_count
    return firsts[0] if queue_count == 1 else f"COALESCE({', '.join(firsts)})"


def _expired(queue_count: int) -> str:
    """EXISTS a running job of these queues whose lease has expired (status, queues, moment)."""
    table = connection.ops.quote_name(_TABLE)
    placeholders = ", ".join(["%s"] * queue_count)
    return (
        f"EXISTS (SELECT 1 FROM {table} WHERE status = %s AND queue IN ({placeholders})"  # noqa: S608
        " AND leased_until < %s)"
    )


@functools.lru_cache
def _sql(vendor: str, queue_count: int) -> str:
    quote = connection.ops.quote_name
    returning = ", ".join(quote(field.column) for field in _FIELDS)
    lock = " FOR UPDATE SKIP LOCKED" if vendor == "postgresql" else ""
    # Identifiers come from the model's metadata only; every value is a parameter.
    return (
        f"UPDATE {quote(_TABLE)} SET status = %s, leased_by = %s, leased_until = %s,"  # noqa: S608
        " attempts = attempts + 1"
        f" WHERE id = {_first_due(queue_count, lock)}"
        f" AND NOT {_expired(queue_count)}"
        f" RETURNING {returning}"
    )


def _due_params(moment: Any, queues: Sequence[str]) -> list[Any]:
    params: list[Any] = []
    for queue in queues:
        params += [JobStatus.QUEUED, queue, moment]
    return params


def anything_to_claim(moment: datetime, queues: Sequence[str]) -> bool:
    """True when a job of these queues is due or has an expired lease: the idle poll, one plain
    read (no lock, so it never takes SQLite's write lock away from the web)."""
    now = connection.ops.adapt_datetimefield_value(moment)
    sql = f"SELECT {_first_due(len(queues), '')}, {_expired(len(queues))}"
    params = [*_due_params(now, queues), JobStatus.RUNNING, *queues, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        due, expired = cursor.fetchone()
    return due is not None or bool(expired)


Converter = Callable[[Any, Any, Any], Any]
# Per connection: each column with the converters a query would apply (found once, not per row).
_CONVERTERS: weakref.WeakKeyDictionary[Any, list[tuple[Any, list[Converter]]]] = (
    weakref.WeakKeyDictionary()
)


def _converters() -> list[tuple[Any, list[Converter]]]:
    wrapper = connections[DEFAULT_DB_ALIAS]
    found = _CONVERTERS.get(wrapper)
    if found is None:
        found = []
        for field in _FIELDS:
            column = field.get_col(_TABLE)
            converters = wrapper.ops.get_db_converters(column) + column.get_db_converters(wrapper)
            found.append((column, converters))
        _CONVERTERS[wrapper] = found
    return found


def _job_from_row(row: Sequence[Any]) -> Job:
    """A Job from a raw row, each value through the converters a query would apply."""
    values = list(row)
    for index, (column, converters) in enumerate(_converters()):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return Job.from_db(connection.alias, _ATTNAMES, values)


def claim_due(
    worker_name: str, moment: datetime, until: datetime, queues: Sequence[str]
) -> Job | None:
    """Claim the due queued job of the first of these queues that has one, the one that waited
    longest there, in one statement; None when none was claimed (nothing due, all due rows
    locked by other workers, or an expired lease of these queues waiting)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(connection.vendor, len(queues)), _claim_params(worker_name, moment, until, queues)
        )
        row = cursor.fetchone()
    return None if row is None else _job_from_row(row)


def _claim_params(
    worker_name: str, moment: datetime, until: datetime, queues: Sequence[str]
) -> list[Any]:
    stamp = connection.ops.adapt_datetimefield_value
    now = stamp(moment)
    return [
        JobStatus.RUNNING,
        worker_name,
        stamp(until),
        *_due_params(now, queues),
        JobStatus.RUNNING,
        *queues,
        now,
    ]


@functools.lru_cache
def _finish_sql(vendor: str, repeat: bool) -> str:
    """Record success only while this claim holds the job and its repeat is what the claim read:
    done, or (recurring) queued again with fresh attempts."""
    if repeat:
        changes = "status = %s, run_at = %s, attempts = 0, last_error = '', finished_at = %s"
        same_repeat = "repeat_seconds = %s"
    else:
        changes = "status = %s, finished_at = %s"
        same_repeat = "repeat_seconds IS NULL"
    return (
        f"UPDATE {connection.ops.quote_name(_TABLE)} SET {changes},"  # noqa: S608
        " leased_by = '', leased_until = NULL"
        f" WHERE id = %s AND status = %s AND leased_by = %s AND attempts = %s AND {same_repeat}"
    )


def _finish_params(job: Job, now: datetime) -> list[Any]:
    stamp = connection.ops.adapt_datetimefield_value
    held = [job.pk, JobStatus.RUNNING, job.leased_by, job.attempts]
    if job.repeat_seconds:
        again = now + timedelta(seconds=job.repeat_seconds)
        return [JobStatus.QUEUED, stamp(again), stamp(now), *held, job.repeat_seconds]
    return [JobStatus.DONE, stamp(now), *held]


def complete(job: Job, now: datetime) -> bool:
    """Record the success of a claimed job in one conditional UPDATE (a prepared string, not
    the ORM: this runs once per job); False when it matched no row (the claim was lost, or
    schedule()/cancel() changed the repeat meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _finish_sql(connection.vendor, bool(job.repeat_seconds)), _finish_params(job, now)
        )
        return cursor.rowcount == 1


@functools.lru_cache
def _chain_sql(vendor: str, repeat: bool, queue_count: int) -> str:
    # Each data-modifying CTE runs once whatever the query reads; the LEFT JOIN yields one row
    # (the finished count, then the claimed job's columns or NULLs) even when nothing is claimed.
    return (
        f"WITH finished AS ({_finish_sql(vendor, repeat)} RETURNING 1),"  # noqa: S608
        f" claimed AS ({_sql(vendor, queue_count)})"
        " SELECT (SELECT count(*) FROM finished), claimed.*"
        " FROM (SELECT 1) AS one LEFT JOIN claimed ON TRUE"
    )


def complete_and_claim(
    job: Job, now: datetime, worker_name: str, until: datetime, queues: Sequence[str]
) -> tuple[bool, Job | None]:
    """complete(job, now) and, in the same transaction, claim_due(worker_name, now, until,
    queues): a busy worker commits once per job instead of twice. PostgreSQL: one statement (two
    data-modifying CTEs, which see the same snapshot and touch different rows); SQLite: the two
    statements in one (immediate) transaction.

    The claim commits with the completion, before the next handler starts, so other workers see
    its lease. Returns (completed, the claimed job or None)."""
    finish = _finish_params(job, now)
    claim = _claim_params(worker_name, now, until, queues)
    repeat = bool(job.repeat_seconds)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_chain_sql(connection.vendor, repeat, len(queues)), finish + claim)
            row = cursor.fetchone()
        return row[0] == 1, None if row[1] is None else _job_from_row(row[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_finish_sql(connection.vendor, repeat), finish)
        completed = cursor.rowcount == 1
        cursor.execute(_sql(connection.vendor, len(queues)), claim)
        row = cursor.fetchone()
    return completed, None if row is None else _job_from_row(row)
