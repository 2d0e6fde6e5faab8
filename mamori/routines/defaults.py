"""The chores every organisation starts with, from the seeds, with their intervals. Each is
created once (RoutineSetup marks it); the organisation then changes, pauses or adds its own."""

from __future__ import annotations

from dataclasses import dataclass

from .models import ChoreKind


@dataclass(frozen=True)
class DefaultChore:
    kind: str
    interval_months: int
    # When the first round falls due, in months from the day the organisation starts, so that
    # a new organisation does not get every chore in the same week.
    first_in_months: int
    source: str
    # Only some organisations need it (a shop taking QR payments): created paused.
    paused: bool = False


DEFAULT_CHORES: tuple[DefaultChore, ...] = (
    # Access to what leavers used and who holds administrator rights drifts fastest.
    DefaultChore(ChoreKind.ACCESS_REVIEW, 3, 1, "ハンドブック 第7章 §2.2"),
    # A backup is only known to work once it has been restored (ransomware, the cloud case).
    DefaultChore(ChoreKind.RESTORE_TEST, 6, 1, "ハンドブック 第7章 §7.5"),
    DefaultChore(ChoreKind.CONTACT_REVIEW, 12, 2, "ハンドブック 第7章 §2.2"),
    DefaultChore(ChoreKind.ESCROW_TEST, 12, 3, "ハンドブック 第7章 §2.2"),
    DefaultChore(ChoreKind.SUPPLIER_AUDIT, 12, 4, "ハンドブック 第7章 §10"),
    DefaultChore(ChoreKind.POLICY_REVIEW, 12, 5, "ハンドブック 第7章 §1.1"),
    DefaultChore(ChoreKind.TRAINING, 12, 6, "ハンドブック 第7章 §7.9"),
    DefaultChore(ChoreKind.BCP_REVIEW, 12, 6, "ハンドブック 第7章 §2.1"),
    DefaultChore(ChoreKind.QR_STICKER, 1, 1, "ハンドブック 第7章 §7.4", paused=True),
)
