from __future__ import annotations

from typing import Any

from mamori.findings.models import Finding
from mamori.findings.services import run_rules
from mamori.inventory.models import Account, Person


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    person = Person.objects.create(organization=org, name="Leaver", left_on="2020-01-01")
    Account.objects.create(organization=org, person=person, username="leaver")
    run_rules(org)
    finding = Finding.objects.filter(organization=org).first()
    args = {"pk": finding.pk}
    return {
        f"findings:{name}": args
        for name in ("detail", "action", "accept", "reopen", "recheck", "comment")
    }
