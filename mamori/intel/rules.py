"""The vulnerable-software rule: re-run whenever the inventory's software, websites (their CMS)
or devices (the OS a platform-limited advisory needs) change, and after advisory imports, from
a job per affected organisation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mamori.findings.rules import FindingSpec, Rule, register

from .vulnmatch import KIND, findings_for


@register
class VulnerableSoftware(Rule):
    kind = KIND
    severity = "high"
    triggers = frozenset({"inventory.software", "inventory.website", "inventory.device"})

    def evaluate(self, org: Any) -> Iterable[FindingSpec]:
        return findings_for(org)
