"""Rules: small registered classes that look at an organisation and say what is wrong.

A rule returns the full set of findings of its kind for one organisation (or, if it declares a
`subject_type`, for the given subjects); the findings service then opens what is new, re-opens
what came back and resolves what no longer fires.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from mamori.core.registry import Registry

# Modules whose import registers rules. Explicit, not scanned.
RULE_MODULES: list[str] = [
    "mamori.inventory.rules",
    "mamori.intel.rules",
    "mamori.licences.rules",
    "mamori.routines.rules",
    "mamori.continuity.rules",
    "mamori.privacy.rules",
    "mamori.training.rules",
    "mamori.payees.rules",
]


@dataclass(frozen=True)
class FindingSpec:
    """One problem as a rule sees it. `key` is stable: the same problem gives the same key."""

    key: str
    subject: str
    params: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    severity: str | None = None
    subject_type: str = ""
    subject_id: str = ""
    due_date: date | None = None


class Rule:
    kind: ClassVar[str]
    severity: ClassVar[str]
    # Model labels ("inventory.person") whose change may change this rule's result.
    triggers: ClassVar[frozenset[str]] = frozenset()
    # A rule whose findings are each about one record of this model (subject_type/subject_id of
    # its specs) and whose result for that record reads nothing else that can change: it then
    # accepts `evaluate(org, subjects=[ids])` and a change of a few records re-evaluates those
    # alone. "" = always evaluated over the whole organisation.
    subject_type: ClassVar[str] = ""

    def evaluate(self, org: Any, subjects: list[str] | None = None) -> Iterable[FindingSpec]:
        raise NotImplementedError


RULES: Registry[Rule] = Registry("rule")


def register(rule_class: type[Rule]) -> type[Rule]:
    RULES.add(rule_class.kind, rule_class())
    return rule_class


_loaded = False


def load_rules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in RULE_MODULES:
        importlib.import_module(module)
