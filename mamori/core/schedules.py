"""Recurring system-wide work, made sure of at every start of `mamori serve` and `mamori worker`.

Each entry is "module:function"; the function calls mamori.core.jobs.schedule(...) for its own
recurring jobs (idempotent). Organisation-specific schedules (a feed, a watched page) are made
when the thing is saved, not here.
"""

from __future__ import annotations

import importlib
import logging

SYSTEM_SCHEDULES: list[str] = [
    "mamori.core.tasks:ensure_schedules",  # job history (issue 19 housekeeping)
    "mamori.findings.tasks:ensure_schedules",
    "mamori.mailcheck.tasks:ensure_schedules",
    "mamori.notify.tasks:ensure_schedules",
    "mamori.assessments.tasks:ensure_schedules",
    "mamori.accounts.tasks:ensure_schedules",
    "mamori.routines.tasks:ensure_schedules",
    "mamori.orgs.tasks:ensure_schedules",  # old report zips (issue 19 housekeeping)
]

logger = logging.getLogger("mamori.jobs")


def ensure_all() -> None:
    for name in SYSTEM_SCHEDULES:
        module_name, function_name = name.split(":")
        try:
            getattr(importlib.import_module(module_name), function_name)()
        except Exception:
            # One module's broken schedule must not stop the others or the server.
            logger.exception("could not ensure the schedules of %s", name)
