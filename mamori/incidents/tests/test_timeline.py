"""The timeline is append-only: no model call, queryset call, view or API edits or deletes an
entry; a correction is a new entry pointing at the earlier one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mamori.incidents import services
from mamori.incidents.models import AppendOnlyError, EntryKind, EvidenceFile, TimelineEntry


def _incident(org: Any, members: dict[str, Any]) -> Any:
    incident = services.report_incident(
        None, org, title="Leak", playbook_ids=["ransomware"], actor=members["owner"]
    )
    services.add_note(None, incident, "first note", actor=members["owner"])
    services.set_step(None, incident, "ransomware.user.disconnect", True, actor=members["owner"])
    return incident


def _snapshot() -> dict[int, tuple[Any, ...]]:
    return {
        e.pk: (e.created_at, e.kind, e.text, e.data, e.author_id, e.author_label, e.corrects_id)
        for e in TimelineEntry.objects.all()
    }


@pytest.mark.django_db
def test_entries_refuse_change_and_delete_at_model_and_queryset_level(
    org: Any, members: dict[str, Any]
) -> None:
    incident = _incident(org, members)
    entry = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.NOTE).get()
    entry.text = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(pk=entry.pk).update(text="rewritten")
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(pk=entry.pk).delete()
    assert TimelineEntry.objects.get(pk=entry.pk).text == "first note"


@pytest.mark.django_db
def test_evidence_records_are_append_only_too(
    org: Any, members: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    incident = _incident(org, members)
    evidence = services.add_evidence(
        None, incident, SimpleUploadedFile("a.txt", b"abc"), actor=members["owner"]
    )
    evidence.sha256 = "0" * 64
    with pytest.raises(AppendOnlyError):
        evidence.save()
    with pytest.raises(AppendOnlyError):
        EvidenceFile.objects.all().delete()


def _incident_urls(incident: Any, entry: TimelineEntry, file_id: int, task_id: int) -> list[str]:
    urls = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for item in patterns:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, item.namespace or namespace)
            elif isinstance(item, URLPattern) and namespace == "incidents":
                kwargs: dict[str, Any] = {"org_slug": incident.organization.slug}
                route = str(item.pattern)
                for name, value in (
                    ("pk", incident.pk),
                    ("file_id", file_id),
                    ("task_id", task_id),
                    ("fmt", "json"),
                    ("playbook_id", "ransomware"),
                ):
                    if f":{name}>" in route:
                        kwargs[name] = value
                urls.append(reverse(f"incidents:{item.name}", kwargs=kwargs))

    walk(get_resolver().url_patterns, "")
    return urls


@pytest.mark.django_db
def test_no_incident_view_or_api_edits_or_deletes_an_entry(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    incident = _incident(org, members)
    evidence = services.add_evidence(
        None, incident, SimpleUploadedFile("a.txt", b"abc"), actor=members["owner"]
    )
    task = services.add_task(None, incident, "task")
    entry = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.NOTE).get()
    before = _snapshot()
    owner = client_as(members["owner"])
    hostile = {
        "id": entry.pk,
        "pk": entry.pk,
        "entry": entry.pk,
        "entry_id": entry.pk,
        "text": "rewritten",
        "created_at": "2000-01-01T00:00",
        "delete": "1",
        "step_id": "ransomware.user.disconnect",
        "done": "1",
    }
    urls = _incident_urls(incident, entry, evidence.pk, task.pk)
    assert len(urls) >= 15
    for url in urls:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(owner, method)(url, hostile)
            assert response.status_code < 500, (url, method)
    # The JSON API has no incident routes that could change entries.
    for url in (f"/api/incidents/{incident.pk}/timeline/{entry.pk}", "/api/timeline/"):
        for method in ("put", "patch", "delete"):
            assert getattr(owner, method)(url).status_code in {401, 403, 404, 405}
    after = _snapshot()
    assert {pk: after[pk] for pk in before} == before
    # Posting may only ever add entries.
    assert set(before) <= set(after)


@pytest.mark.django_db
def test_a_correction_is_a_new_entry_referring_to_the_old_one(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    entry = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.NOTE).get()
    client = client_as(members["editor"])
    response = client.post(
        reverse("incidents:note", args=[org.slug, incident.pk]),
        {"text": "the cable was unplugged at 9:10, not 9:00", "corrects": entry.pk},
    )
    assert response.status_code == 302
    correction = TimelineEntry.objects.get(kind=EntryKind.CORRECTION)
    assert correction.corrects_id == entry.pk
    assert correction.author == members["editor"]
    assert TimelineEntry.objects.get(pk=entry.pk).text == "first note"
    page = client.get(reverse("incidents:detail", args=[org.slug, incident.pk])).content.decode()
    # Entries are numbered within the incident; the correction cites the corrected one's number.
    number = (
        list(TimelineEntry.objects.filter(incident=incident).order_by("created_at", "pk")).index(
            TimelineEntry.objects.get(pk=entry.pk)
        )
        + 1
    )
    assert f"#{number}" in page and "first note" in page and "not 9:00" in page


@pytest.mark.django_db
def test_a_correction_cannot_point_into_another_incident(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    first = _incident(org, members)
    second = services.report_incident(None, org, title="Other", actor=members["owner"])
    foreign = TimelineEntry.objects.filter(incident=first, kind=EntryKind.NOTE).get()
    client = client_as(members["editor"])
    count = TimelineEntry.objects.count()
    client.post(
        reverse("incidents:note", args=[org.slug, second.pk]),
        {"text": "x", "corrects": foreign.pk},
    )
    assert TimelineEntry.objects.count() == count


@pytest.mark.django_db
def test_undoing_a_step_adds_an_entry_and_keeps_the_first(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:step", args=[org.slug, incident.pk])
    client.post(url, {"step_id": "ransomware.user.disconnect", "done": "0"})
    steps = list(TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STEP))
    assert [s.data["done"] for s in steps] == [True, False]
    assert steps[1].corrects_id == steps[0].pk
    # Repeating the same state adds nothing.
    client.post(url, {"step_id": "ransomware.user.disconnect", "done": "0"})
    assert TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STEP).count() == 2
    # A step of another playbook is refused.
    client.post(url, {"step_id": "ddos.user.report", "done": "1"})
    assert TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STEP).count() == 2
