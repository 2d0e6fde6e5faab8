"""Daily housekeeping that is security too: rows that only help an attacker or leak history once
they are no longer needed are deleted (issue 11)."""

from __future__ import annotations

import logging

from mamori.core.jobs import handler, schedule
from mamori.core.models import Job

PRUNE = "accounts.prune"
logger = logging.getLogger("mamori.accounts")


@handler(PRUNE, queue="bulk")
def prune(job: Job) -> None:
    from .services import prune_expired

    counts = prune_expired()
    logger.info("pruned %s", ", ".join(f"{k}={v}" for k, v in counts.items()))


def ensure_schedules() -> None:
    schedule(PRUNE, unique_key=PRUNE, every_seconds=24 * 60 * 60)
