"""`mamori audit verify`: check the chain and compare it with the heads recorded outside it.

What it proves: every event in the database is unchanged since it was written (its keyed hash
matches), none is missing between the first and the last (numbers and links are continuous),
and the database still holds every head recorded in the head file and in this install's
backups (so the newest events were not deleted, the trail was not emptied, and it was not
re-hashed after a change). What it cannot prove: see README ("Audit trail").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import head as head_file
from .chain import GENESIS_HASH, chain_key, keyed_hash
from .head import Head
from .models import AuditEvent

# Individual problems listed per kind before the rest is summed up.
MAX_LISTED = 20


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _source(head: Head) -> str:
    if head.source.endswith(".tar"):
        return _("backup %(name)s") % {"name": head.source}
    return _("the head file (%(name)s)") % {"name": head.source}


@dataclass(frozen=True)
class ChainProblem:
    """One finding; `text()` says it in the active language."""

    code: str
    event_id: int | None = None
    seq: int = 0
    last: int = 0
    count: int = 0
    when: datetime | None = None
    action: str = ""
    head: Head | None = None
    path: str = ""
    warning: bool = False

    def text(self) -> str:  # noqa: C901, PLR0911 - one sentence per kind
        if self.code == "changed":
            return _(
                "Event #%(seq)s (%(when)s, %(action)s) was changed after it was written: its "
                "content no longer matches its keyed hash."
            ) % {"seq": self.seq, "when": _when(self.when), "action": self.action}
        if self.code == "missing":
            if self.seq == self.last:
                return _("Event #%(seq)s is missing: it was deleted from the database.") % {
                    "seq": self.seq
                }
            return _(
                "Events #%(first)s to #%(last)s are missing: they were deleted from the database."
            ) % {"first": self.seq, "last": self.last}
        if self.code == "unlinked":
            return _(
                "Event #%(seq)s does not follow the event before it: events before it were "
                "replaced or re-ordered."
            ) % {"seq": self.seq}
        if self.code == "out_of_order":
            return _(
                "Event #%(seq)s is out of order (it comes after #%(prev)s): rows were inserted "
                "or renumbered."
            ) % {"seq": self.seq, "prev": self.last}
        head = self.head
        assert head is not None or self.code in {"all_changed", "no_head", "bad_head", "more"}
        if self.code == "truncated" and head is not None and self.seq == head.seq:
            return _(
                "The newest event #%(last)s is missing: %(source)s recorded it at %(when)s, but "
                "the trail now ends at #%(end)s."
            ) % {
                "last": head.seq,
                "source": _source(head),
                "when": _when(head.at),
                "end": self.seq - 1,
            }
        if self.code == "truncated" and head is not None:
            return _(
                "The newest events #%(first)s to #%(last)s are missing: %(source)s recorded "
                "event #%(last)s at %(when)s, but the trail now ends at #%(end)s."
            ) % {
                "first": self.seq,
                "last": head.seq,
                "source": _source(head),
                "when": _when(head.at),
                "end": self.seq - 1,
            }
        if self.code == "emptied" and head is not None:
            return ngettext(
                "The only event is missing: %(source)s recorded event #%(last)s at %(when)s, "
                "but the trail is empty.",
                "All %(last)s events are missing: %(source)s recorded event #%(last)s at "
                "%(when)s, but the trail is empty.",
                head.seq,
            ) % {"last": head.seq, "source": _source(head), "when": _when(head.at)}
        if self.code == "head_differs" and head is not None:
            return _(
                "Event #%(seq)s is not the event %(source)s recorded at %(when)s: the trail was "
                "rewritten at or before this event and hashed again."
            ) % {"seq": head.seq, "source": _source(head), "when": _when(head.at)}
        if self.code == "all_changed":
            return _(
                "None of the %(count)s events matches its keyed hash: the trail was written with "
                "another install key (is %(path)s the original file?), or every event was changed."
            ) % {"count": self.count, "path": self.path}
        if self.code == "no_head":
            return _(
                "No head record was found in %(path)s: deleting the newest events cannot be "
                "detected on this machine."
            ) % {"path": self.path}
        if self.code == "bad_head":
            return ngettext(
                "%(count)s line of %(path)s cannot be read and was skipped.",
                "%(count)s lines of %(path)s cannot be read and were skipped.",
                self.count,
            ) % {"count": self.count, "path": self.path}
        return ngettext(
            "… and %(count)s more problem of this kind.",
            "… and %(count)s more problems of this kind.",
            self.count,
        ) % {"count": self.count}


@dataclass
class VerifyReport:
    events: int = 0
    last_seq: int = 0
    heads_checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    warnings: list[ChainProblem] = field(default_factory=list)
    reset: Head | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


class _Collector:
    def __init__(self) -> None:
        self.items: list[ChainProblem] = []
        self.counts: dict[str, int] = {}

    def add(self, problem: ChainProblem) -> None:
        seen = self.counts.get(problem.code, 0)
        self.counts[problem.code] = seen + 1
        if seen < MAX_LISTED:
            self.items.append(problem)

    def result(self) -> list[ChainProblem]:
        extra = [
            ChainProblem("more", count=count - MAX_LISTED)
            for count in self.counts.values()
            if count > MAX_LISTED
        ]
        return self.items + extra


def recorded_heads(extra: Iterable[Head] = ()) -> tuple[list[Head], Head | None, int]:
    """Heads that still apply (after the newest reset), the reset, and unreadable line count."""
    heads, bad = head_file.read()
    current, reset = head_file.since_last_reset(heads)
    since = reset.at if reset is not None else None
    current += [head for head in extra if since is None or head.at > since]
    return [head for head in current if head.seq > 0], reset, bad


def verify_chain(extra_heads: Iterable[Head] = ()) -> VerifyReport:
    """Walk the whole chain; compare it with the recorded heads."""
    report = VerifyReport()
    key = chain_key()
    heads, report.reset, bad_lines = recorded_heads(extra_heads)
    path = str(head_file.head_path())
    if bad_lines:
        report.warnings.append(ChainProblem("bad_head", count=bad_lines, path=path, warning=True))
    by_seq: dict[int, list[Head]] = {}
    for head in heads:
        by_seq.setdefault(head.seq, []).append(head)
    report.heads_checked = len(heads)

    found = _Collector()
    changed = 0
    expected_prev, prev_seq = GENESIS_HASH, 0
    head_problem: ChainProblem | None = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        report.events += 1
        if event.seq > prev_seq + 1:
            found.add(ChainProblem("missing", seq=prev_seq + 1, last=event.seq - 1))
        elif event.seq <= prev_seq:
            found.add(ChainProblem("out_of_order", event.id, seq=event.seq, last=prev_seq))
        elif event.prev_hash != expected_prev:
            found.add(ChainProblem("unlinked", event.id, seq=event.seq))
        if keyed_hash(event, key) != event.hash:
            changed += 1
            found.add(
                ChainProblem(
                    "changed", event.id, seq=event.seq, when=event.created_at, action=event.action
                )
            )
        for recorded in by_seq.pop(event.seq, []):
            if recorded.hash != event.hash and head_problem is None:
                head_problem = ChainProblem("head_differs", event.id, head=recorded)
        expected_prev, prev_seq = event.hash, max(prev_seq, event.seq)
    report.last_seq = prev_seq
    if not heads and report.reset is None and report.events:
        report.warnings.append(ChainProblem("no_head", path=path, warning=True))

    problems = found.result()
    if report.events and changed == report.events:
        # One sentence instead of one per event: the key, or everything, changed.
        problems = [p for p in problems if p.code not in {"changed", "more"}]
        problems.insert(0, ChainProblem("all_changed", count=changed, path=_key_path()))
    if head_problem is not None:
        problems.append(head_problem)
    beyond = [head for seq, group in by_seq.items() if seq > prev_seq for head in group]
    if beyond:
        newest = max(beyond, key=lambda head: (head.seq, head.at))
        code = "emptied" if report.events == 0 else "truncated"
        problems.append(ChainProblem(code, seq=prev_seq + 1, head=newest))
    report.problems = problems
    return report


def _key_path() -> str:
    from django.conf import settings

    return str(Path(settings.INSTALL_KEY_FILE))
