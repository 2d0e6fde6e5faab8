"""Rules: small registered classes that look at an organisation and say what is wrong.

A rule returns the full set of findings of its kind for one organisation, or, when it declares
`links`, for the given subjects only; the findings service then opens what is new, re-opens what
came back and resolves what no longer fires (of those subjects only).

Incremental runs (issue 20): a rule's `links` say, for each model it reads, how a changed record
leads to the subjects whose findings it may change (the changed share itself; the person an
account belongs to, before and after the change). After a save, the rules job maps the changed
records through the links and re-evaluates just those subjects. A rule without a link for a
changed model runs over the whole organisation.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
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


# Subject type (a model label, as in FindingSpec.subject_type) → subject ids.
Subjects = dict[str, list[str]]


@dataclass(frozen=True)
class Changed:
    """The changed records of one model, as the rules job knows them: their ids, and per foreign
    key (attname) the ids they pointed at before the change (a moved account's old person)."""

    ids: list[str]
    before: Mapping[str, list[str]] = field(default_factory=dict)


# A changed model's records → the subjects of one rule whose findings they may change.
Link = Callable[[Any, Changed], Subjects]


class Rule:
    kind: ClassVar[str]
    severity: ClassVar[str]
    # Model labels ("inventory.person") whose change may change this rule's result.
    triggers: ClassVar[frozenset[str]] = frozenset()
    # Per trigger label, how its changed records lead to subjects (see the module docstring).
    # A rule with links accepts `evaluate(org, subjects)` for every subject type its findings
    # have, and its findings are each about one subject (subject_type and subject_id set).
    links: ClassVar[Mapping[str, Link]] = {}
    # Its result changes with the date alone (a leaving date reached, an audit now overdue): the
    # nightly run's changes to it are expected, not corrections of a missed incremental run.
    dated: ClassVar[bool] = False

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterable[FindingSpec]:
        raise NotImplementedError


def wanted(subjects: Subjects | None, subject_type: str) -> list[int] | None:
    """The integer ids of one subject type to evaluate: None = all of them (a full run), [] =
    none (the rule's query for that type can be skipped)."""
    if subjects is None:
        return None
    return [int(s) for s in subjects.get(subject_type, ()) if str(s).isdigit()]


def same(subject_type: str) -> Link:
    """The changed record is itself the subject."""
    return _same(subject_type)


@cache
def _same(subject_type: str) -> Link:
    def link(org: Any, changed: Changed) -> Subjects:
        return {subject_type: list(changed.ids)}

    return link


def via(model_label: str, field_name: str, subject_type: str) -> Link:
    """The subject is what the changed record's foreign key `field_name` points at, now or
    before the change. The same declaration returns the same link, so the job reads it once."""
    return _via(model_label, field_name, subject_type)


@cache
def _via(model_label: str, field_name: str, subject_type: str) -> Link:
    def link(org: Any, changed: Changed) -> Subjects:
        from django.apps import apps

        model = apps.get_model(model_label)
        rows = model._default_manager.filter(pk__in=_ints(changed.ids))
        if any(f.name == "organization" for f in model._meta.fields):
            rows = rows.filter(organization=org)
        now = rows.exclude(**{f"{field_name}__isnull": True}).values_list(field_name, flat=True)
        ids = {str(v) for v in now} | set(changed.before.get(field_name, ()))
        return {subject_type: sorted(ids)}

    return link


def _ints(ids: Iterable[str]) -> list[int]:
    return [int(s) for s in ids if str(s).isdigit()]


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
