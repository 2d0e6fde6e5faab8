from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding, Status
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.inventory.models import Account, Person, Service
from mamori.inventory.registers import REGISTERS


@pytest.mark.django_db
def test_every_register_lists_and_offers_a_form(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    for key in REGISTERS:
        assert editor.get(f"/o/{org.slug}/inventory/{key}/").status_code == 200, key
        assert editor.get(f"/o/{org.slug}/inventory/{key}/new/").status_code == 200, key
    assert editor.get(f"/o/{org.slug}/inventory/nonsense/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_create_edit_archive_are_audited_and_rules_rerun(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    service = Service.objects.create(organization=org, name="Microsoft 365")
    response = editor.post(
        f"/o/{org.slug}/inventory/people/new/",
        {"name": "田中 一郎", "email": "tanaka@example.jp", "employment_type": "regular"},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="田中 一郎")
    assert person.organization == org
    editor.post(
        f"/o/{org.slug}/inventory/accounts/new/",
        {
            "username": "tanaka",
            "person": person.pk,
            "service": service.pk,
            "role": "user",
            "mfa_enabled": "true",
            "active": "on",
            "last_reviewed_on": "2099-01-01",
        },
    )
    # He leaves: the leaver rule fires on its own after the change is saved.
    response = editor.post(
        f"/o/{org.slug}/inventory/people/{person.pk}/edit/",
        {
            "name": "田中 一郎",
            "email": "tanaka@example.jp",
            "employment_type": "regular",
            "left_on": "2024-03-31",
        },
    )
    assert response.status_code == 302
    run_rule_jobs()  # the rules re-run in a job after the save, not in the request
    finding = Finding.objects.get(organization=org, kind="inventory.leaver_access")
    assert finding.status == Status.OPEN
    event = AuditEvent.objects.filter(action="inventory.person.updated").latest("id")
    assert event.changes["left_on"] == [None, "2024-03-31"]
    detail = editor.get(f"/o/{org.slug}/inventory/people/{person.pk}/")
    page = detail.content.decode()
    # The history says what happened in words, with the changed field; never the event code.
    from mamori.audit.labels import describe

    assert describe("inventory.person.updated") in page
    assert "inventory.person.updated" not in page
    assert "2024-03-31" in page

    # Disabling the account resolves the finding without anyone touching it.
    account = Account.objects.get(username="tanaka")
    editor.post(
        f"/o/{org.slug}/inventory/accounts/{account.pk}/edit/",
        {
            "username": "tanaka",
            "person": person.pk,
            "service": service.pk,
            "role": "user",
            "mfa_enabled": "true",
            "last_reviewed_on": "2099-01-01",
        },
    )
    run_rule_jobs()
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED

    assert editor.post(f"/o/{org.slug}/inventory/people/{person.pk}/archive/").status_code == 302
    person.refresh_from_db()
    assert person.archived_at is not None
    listing = editor.get(f"/o/{org.slug}/inventory/people/").content.decode()
    assert "田中 一郎" not in listing
    assert "田中 一郎" in editor.get(f"/o/{org.slug}/inventory/people/?archived=1").content.decode()


@pytest.mark.django_db
def test_bad_input_is_explained_and_nothing_saved(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/people/new/",
        {"name": "", "email": "not-mail", "employment_type": "boss", "joined_on": "2024-13-45"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "このフィールドは必須です" in text
    assert "有効なメールアドレス" in text
    assert "日付を正しく入力してください" in text
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_form_choices_only_offer_the_organisations_own_rows(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.get(name="Other Org")
    foreign = Person.objects.create(organization=other, name="Foreign person")
    editor = client_as(members["editor"])
    page = editor.get(f"/o/{org.slug}/inventory/accounts/new/").content.decode()
    assert "Foreign person" not in page
    response = editor.post(
        f"/o/{org.slug}/inventory/accounts/new/",
        {"username": "x", "person": foreign.pk, "role": "user", "mfa_enabled": "unknown"},
    )
    assert response.status_code == 200
    assert not Account.objects.filter(username="x").exists()
    # Another organisation's record is not reachable by URL either.
    assert editor.get(f"/o/{org.slug}/inventory/people/{foreign.pk}/").status_code == 404


def _list_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
def test_list_pages_use_a_constant_number_of_queries(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    service = Service.objects.create(organization=org, name="S")
    person = Person.objects.create(organization=org, name="P")

    def add(n: int) -> None:
        Account.objects.bulk_create(
            Account(organization=org, service=service, person=person, username=f"u{n}-{i}")
            for i in range(n)
        )

    add(3)
    urls = [
        f"/o/{org.slug}/inventory/accounts/",
        f"/o/{org.slug}/findings/",
        f"/o/{org.slug}/todo/",
    ]
    from mamori.findings.services import run_rules

    run_rules(org)
    small = [_list_queries(viewer, url) for url in urls]
    add(60)
    for i in range(30):
        Person.objects.create(organization=org, name=f"leaver {i}", left_on="2020-01-01")
        Account.objects.create(organization=org, person=Person.objects.last(), username=f"l{i}")
    run_rules(org)
    large = [_list_queries(viewer, url) for url in urls]
    assert small == large
