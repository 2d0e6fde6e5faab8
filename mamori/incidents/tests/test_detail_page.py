"""The incident page names the incident's type and numbers its timeline from 1."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from mamori.incidents import services


@pytest.mark.django_db
def test_type_shown_and_timeline_numbered_within_the_incident(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    # Another incident first, so this one's entries do not start at id 1.
    services.report_incident(None, org, title="earlier", playbook_ids=["ddos"], actor=None)
    incident = services.report_incident(
        None, org, title="PC locked", playbook_ids=["ransomware"], actor=members["owner"]
    )
    owner = client_as(members["owner"])
    html = owner.get(reverse("incidents:detail", args=[org.slug, incident.pk])).content.decode()
    type_line = re.search(r"インシデントの種類: (.*?)</p>", html)
    assert type_line and "ランサムウェア" in type_line.group(1)
    first_row = re.search(r'<tr id="entry-\d+"><td>(\d+)</td>', html)
    assert first_row and first_row.group(1) == "1"
    exported = owner.get(reverse("incidents:export", args=[org.slug, incident.pk, "json"]))
    numbers = [row["number"] for row in json.loads(exported.content)["timeline"]]
    assert numbers == list(range(1, len(numbers) + 1))
