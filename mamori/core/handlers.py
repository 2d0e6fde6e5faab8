"""Job handlers and the queue each runs in (issue 19: named queues).

A handler is registered with `@handler(kind, queue=...)` in one of the TASK_MODULES; enqueue()
puts a job of that kind in that queue unless told otherwise. Classification:
- urgent: someone is waiting for it — a notification, the rule run after a save. Keep it short.
- bulk: long or sweeping work nobody waits for — advisory syncs, feed fetches, nightly runs over
  every organisation, report bundles, pruning.
- default: the rest (page checks, matching, the mail-check mailbox poll, drills).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from mamori.core.models import QUEUE_ORDER, Job, JobQueue
from mamori.core.registry import Registry

JobHandler = Callable[[Job], None]

HANDLERS: Registry[JobHandler] = Registry("job handler")
# The queue each registered kind runs in (declared at registration; see handler()).
HANDLER_QUEUES: dict[str, str] = {}

# Modules whose import registers job handlers (each app's tasks.py). Explicit, not scanned.
TASK_MODULES: list[str] = [
    "mamori.core.tasks",
    "mamori.findings.tasks",
    "mamori.intel.tasks",
    "mamori.monitoring.tasks",
    "mamori.notify.tasks",
    "mamori.mailcheck.tasks",
    "mamori.assessments.tasks",
    "mamori.accounts.tasks",
    "mamori.routines.tasks",
    "mamori.training.tasks",
    "mamori.orgs.tasks",
]


def handler(kind: str, *, queue: str = JobQueue.DEFAULT) -> Callable[[JobHandler], JobHandler]:
    """Register `function(job)` as the handler for jobs of this kind, run in this queue (see
    the module's docstring for which queue)."""
    if queue not in QUEUE_ORDER:
        raise ValueError(f"unknown job queue {queue!r}")
    HANDLER_QUEUES[kind] = queue
    return HANDLERS.register(kind)


def queue_of(kind: str) -> str:
    """The queue a kind's handler declared ("default" for a kind without one)."""
    if kind not in HANDLER_QUEUES:
        load_handlers()  # a web process enqueues without having imported every tasks module
    return HANDLER_QUEUES.get(kind, JobQueue.DEFAULT)


def queue_list(queues: Iterable[str] | None) -> tuple[str, ...]:
    """These queues in claim order (all of them for None); ValueError for an unknown name."""
    if queues is None:
        return QUEUE_ORDER
    wanted = set(queues)
    unknown = wanted - set(QUEUE_ORDER)
    if unknown or not wanted:
        raise ValueError(f"unknown job queue(s): {', '.join(sorted(unknown)) or '(none)'}")
    return tuple(queue for queue in QUEUE_ORDER if queue in wanted)


def load_handlers() -> None:
    """Import every module listed in TASK_MODULES (idempotent: imports are cached)."""
    for module in TASK_MODULES:
        importlib.import_module(module)
