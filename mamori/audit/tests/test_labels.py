"""Audit events read as sentences in the reader's language; the code stays behind 「詳細」."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from mamori.audit.labels import describe, detail_lines
from mamori.audit.services import record

PACKAGE = Path(__file__).resolve().parents[2]
# record("code", …) and record(\n "code", …) with a literal code.
LITERAL = re.compile(r"record\(\s*\"([a-z_]+(?:\.[a-z_]+)*)\"")


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        codes.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_event_code_in_the_code_has_a_sentence() -> None:
    codes = _codes_in_source()
    assert len(codes) > 40
    with translation.override("ja"):
        generic = describe("no.such.event")
        missing = sorted(code for code in codes if describe(code) == generic)
    assert missing == []


def test_register_events_name_the_register_in_japanese_and_english() -> None:
    with translation.override("ja"):
        assert describe("inventory.person.updated") == "人で変更しました"
    with translation.override("en"):
        assert "Changed in" in describe("inventory.person.updated")


def test_details_are_lines_not_python_reprs() -> None:
    with translation.override("en"):
        lines = detail_lines({"os_supported": [None, True], "name": "PC-01", "tags": {"a": 1}})
    assert lines == ["os_supported: — → yes", "name: PC-01", 'tags: {"a": 1}']
    assert not any("{'" in line or "None" in line for line in lines)


@pytest.mark.django_db
def test_audit_page_and_dashboard_show_sentences(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    record(
        "member.role_changed",
        actor=members["owner"],
        organization=org,
        changes={"role": ["viewer", "editor"]},
    )
    owner = client_as(members["owner"])
    audit = owner.get(reverse("orgs:audit", args=[org.slug])).content.decode()
    assert "メンバーの権限を変更しました" in audit
    assert "role: viewer → editor" in audit and "{&#x27;" not in audit
    dashboard = owner.get(reverse("core:dashboard", args=[org.slug])).content.decode()
    assert "メンバーの権限を変更しました" in dashboard
    assert "<code>member.role_changed</code>" not in dashboard


@pytest.mark.django_db
def test_a_rule_run_names_the_problem_not_the_kind_code(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    record(
        "findings.synced",
        organization=org,
        object_repr="inventory.leaver_access",
        changes={"guidance": "inventory.leaver_access", "opened": 1},
    )
    audit = client_as(members["owner"]).get(reverse("orgs:audit", args=[org.slug])).content.decode()
    row = audit.split("点検で問題の一覧が更新されました")[1].split("</tr>")[0]
    assert "退職者のアカウントが残っています" in row
    assert "<td>inventory.leaver_access</td>" not in row
