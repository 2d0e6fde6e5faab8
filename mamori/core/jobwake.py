"""Waking the workers of this process when a job is enqueued, instead of waiting for the poll.

enqueue() calls notify(queue, run_at) once its transaction has committed (so a woken worker sees
the row). A worker thread of this process that serves that queue and is idle wakes at run_at —
at once for a job due now, after the debounce for a debounced one — and claims it. Workers in
other processes are not reached: they keep polling (every JOB_URGENT_POLL_SECONDS when they serve
the urgent queue, every JOB_POLL_SECONDS otherwise).

Only queues served by a running worker of this process are remembered, so a web process without
an embedded worker keeps nothing.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

# An idle worker re-checks its stop event at least this often (the stop event cannot notify
# the condition below); a local check, no database statement.
STOP_CHECK_SECONDS = 0.25
# Bound on remembered due times per queue (a burst of enqueues; the poll covers the rest).
MAX_REMEMBERED = 1000


class Waker:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._due: dict[str, list[float]] = {}  # queue -> heap of monotonic due times
        self._serving: Counter[str] = Counter()

    def serve(self, queues: Iterable[str]) -> None:
        with self._condition:
            self._serving.update(queues)

    def unserve(self, queues: Iterable[str]) -> None:
        with self._condition:
            self._serving.subtract(queues)
            for queue in [q for q, n in self._serving.items() if n <= 0]:
                del self._serving[queue]
                self._due.pop(queue, None)

    def notify(self, queue: str, run_at: datetime | None = None) -> None:
        """A job of this queue is due at run_at (now when None)."""
        delay = 0.0 if run_at is None else (run_at - timezone.now()).total_seconds()
        at = time.monotonic() + max(delay, 0.0)
        with self._condition:
            if queue not in self._serving:
                return
            heap = self._due.setdefault(queue, [])
            if len(heap) >= MAX_REMEMBERED:
                return
            heapq.heappush(heap, at)
            self._condition.notify_all()

    def wait(self, queues: Iterable[str], timeout: float, stop: threading.Event) -> None:
        """Sleep up to timeout; return early when a job of these queues is due or stop is set."""
        wanted = tuple(queues)
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._condition:
            while not stop.is_set():
                now = time.monotonic()
                if self._take_due(wanted, now):
                    return
                if now >= deadline:
                    return
                soonest = min(
                    (heap[0] for q in wanted if (heap := self._due.get(q))), default=deadline
                )
                wake_at = min(soonest, deadline, now + STOP_CHECK_SECONDS)
                self._condition.wait(max(wake_at - now, 0.001))

    def _take_due(self, queues: tuple[str, ...], now: float) -> bool:
        """Forget the due times of these queues that have passed; True if there were any (the
        worker claims next, and a claim takes any due job of its queues)."""
        found = False
        for queue in queues:
            heap = self._due.get(queue)
            while heap and heap[0] <= now:
                heapq.heappop(heap)
                found = True
        return found


WAKER = Waker()


def notify(queue: str, run_at: datetime | None = None) -> None:
    WAKER.notify(queue, run_at)
