"""Text of any kind (control characters, NUL, markup, emoji, long lines) reaching the services
is stored (NUL dropped: PostgreSQL refuses it) and never breaks the report exports."""

from __future__ import annotations

import io
import json
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.incidents import report, services

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=texts, note=texts)
def test_exports_survive_any_text(org: Any, members: dict[str, Any], title: str, note: str) -> None:
    incident = services.report_incident(
        None, org, title=title, description=note, playbook_ids=["ddos"], actor=members["owner"]
    )
    services.add_note(None, incident, note, actor=members["owner"])
    data, _ = report.render(incident, "json")
    parsed = json.loads(data)
    assert parsed["incident"]["title"] == title.replace("\x00", "")[:200]
    assert parsed["timeline"][-1]["text"] == note.replace("\x00", "")[:5000]
    markdown, _ = report.render(incident, "md")
    assert isinstance(markdown, str)
    pdf, content_type = report.render(incident, "pdf")
    assert content_type == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 1
