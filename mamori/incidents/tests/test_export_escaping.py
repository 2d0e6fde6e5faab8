"""Incident exports carry what people typed as text, never as markup: a timeline note holding
`<script>` or a Markdown `javascript:` link is inert in the Markdown and JSON reports, and the
JSON still gives back exactly what was typed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from mamori.incidents import services

NOTE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> [記録](javascript:alert(1))'


@pytest.mark.django_db
def test_markdown_and_json_exports_escape_typed_html(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = services.report_incident(
        None,
        org,
        title="<b>PC</b> locked",
        playbook_ids=["ransomware"],
        actor=members["owner"],
    )
    services.add_note(None, incident, NOTE, actor=members["owner"])
    client = client_as(members["viewer"])

    markdown = client.get(
        reverse("incidents:export", args=[org.slug, incident.pk, "md"])
    ).content.decode()
    assert "<script" not in markdown and "<img" not in markdown and "<b>" not in markdown
    assert "&lt;script&gt;" in markdown and "&lt;b&gt;PC&lt;/b&gt;" in markdown
    # The brackets are escaped: Markdown shows them as text instead of making a link.
    assert "[記録](javascript:" not in markdown and "\\[記録\\](javascript:" in markdown

    raw = client.get(reverse("incidents:export", args=[org.slug, incident.pk, "json"])).content
    text = raw.decode()
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(raw)
    assert data["incident"]["title"] == "<b>PC</b> locked"
    assert [row["text"] for row in data["timeline"] if row["kind"] == "note"] == [NOTE]
