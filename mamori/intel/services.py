"""Changes to an organisation's intel data: one transaction, one audit event, jobs after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import changed_fields, record, snapshot
from mamori.core.jobs import cancel, enqueue, schedule
from mamori.findings.models import Finding
from mamori.orgs.models import Organization

from .models import Advisory, Decision, Feed, FeedItem, ItemRead, ReadMark, Watch
from .presets import PRESETS_BY_KEY

FEED_FIELDS = ["name", "url", "enabled", "interval_minutes"]


def _job_key(feed: Feed) -> str:
    return f"intel.feed:{feed.pk}"


def _schedule_feed(feed: Feed) -> None:
    from .sync import ensure_scheduled

    if feed.enabled:
        schedule(
            "intel.fetch_feed",
            unique_key=_job_key(feed),
            every_seconds=max(feed.interval_minutes, 1) * 60,
            payload={"feed_id": feed.pk},
            organization_id=feed.organization_id,
            first_run_at=timezone.now(),
        )
        ensure_scheduled()
    else:
        cancel(_job_key(feed))


def set_preset(
    org: Organization, key: str, enabled: bool, *, request: HttpRequest | None = None
) -> Feed:
    preset = PRESETS_BY_KEY[key]
    with transaction.atomic():
        feed = Feed.objects.filter(organization=org, preset=key).first()
        if feed is None:
            feed = Feed.objects.filter(organization=org, url=preset.url).first()
        if feed is None:
            feed = Feed.objects.create(
                organization=org,
                preset=key,
                name=preset.name,
                url=preset.url,
                enabled=enabled,
                interval_minutes=preset.interval_minutes,
            )
        else:
            feed.enabled = enabled
            feed.save(update_fields=["enabled"])
        record(
            "intel.preset_enabled" if enabled else "intel.preset_disabled",
            request=request,
            organization=org,
            obj=feed,
        )
        transaction.on_commit(lambda: _schedule_feed(feed))
    return feed


def enable_default_presets(org: Organization, *, request: HttpRequest | None = None) -> None:
    """A new organisation starts with the official Japanese sources on (handbook §5.1), so its
    timeline is never silently empty; each can be switched off on the feeds page."""
    for preset in PRESETS_BY_KEY.values():
        if preset.default_on:
            set_preset(org, preset.key, True, request=request)


def create_feed(request: HttpRequest, org: Organization, data: dict[str, Any]) -> Feed:
    with transaction.atomic():
        feed = Feed.objects.create(organization=org, **{k: data[k] for k in FEED_FIELDS})
        record("intel.feed_created", request=request, organization=org, obj=feed, changes=data)
        transaction.on_commit(lambda: _schedule_feed(feed))
    return feed


def update_feed(request: HttpRequest, feed: Feed, data: dict[str, Any]) -> Feed:
    with transaction.atomic():
        before = snapshot(feed, FEED_FIELDS)
        for name in FEED_FIELDS:
            setattr(feed, name, data[name])
        if before["url"] != feed.url:  # a new address: start afresh
            feed.etag = feed.last_modified = feed.last_error = ""
            feed.error_count = 0
            feed.next_fetch_at = None
        feed.save()
        record(
            "intel.feed_updated",
            request=request,
            organization=feed.organization,
            obj=feed,
            changes=changed_fields(before, snapshot(feed, FEED_FIELDS)),
        )
        transaction.on_commit(lambda: _schedule_feed(feed))
    return feed


def delete_feed(request: HttpRequest, feed: Feed) -> None:
    with transaction.atomic():
        key = _job_key(feed)
        record("intel.feed_deleted", request=request, organization=feed.organization, obj=feed)
        feed.delete()
        transaction.on_commit(lambda: cancel(key))


def fetch_now(request: HttpRequest, feed: Feed) -> None:
    with transaction.atomic():
        enqueue(
            "intel.fetch_feed",
            {"feed_id": feed.pk, "force": True},
            organization_id=feed.organization_id,
            unique_key=f"intel.feed-now:{feed.pk}",
            max_attempts=1,
        )
        record(
            "intel.feed_fetch_requested", request=request, organization=feed.organization, obj=feed
        )


def add_watch(request: HttpRequest, org: Organization, keyword: str) -> Watch:
    with transaction.atomic():
        watch, _ = Watch.objects.get_or_create(organization=org, keyword=keyword.strip())
        record("intel.watch_added", request=request, organization=org, obj=watch)
    return watch


def delete_watch(request: HttpRequest, watch: Watch) -> None:
    with transaction.atomic():
        record("intel.watch_deleted", request=request, organization=watch.organization, obj=watch)
        watch.delete()


def decide(
    request: HttpRequest, org: Organization, finding: Finding, status: str, note: str
) -> Decision:
    """Remember "not affected" / "patched" for the finding's (software, advisory, version)."""
    from mamori.inventory.models import Software

    from .vulnmatch import rematch

    if finding.subject_type not in ("", "inventory.software"):
        # A website's CMS: its version in the website register is what decides.
        raise ValueError("decisions are recorded for software only")
    software = Software.objects.get(organization=org, pk=int(finding.subject_id))
    advisory = Advisory.objects.get(pk=int(finding.params["advisory_pk"]))
    with transaction.atomic():
        decision, _ = Decision.objects.update_or_create(
            organization=org,
            software=software,
            advisory=advisory,
            version=software.version,
            defaults={
                "status": status,
                "note": note,
                "decided_by": request.user,
                "decided_at": timezone.now(),
            },
        )
        record(
            "intel.decision",
            request=request,
            organization=org,
            obj=decision,
            object_repr=f"{software} / {advisory.advisory_id}",
            changes={"status": status, "version": software.version, "note": note[:200]},
        )
    rematch(org)  # the finding resolves now, not at the next import
    return decision


def mark_read(user: Any, item: FeedItem) -> None:
    # Personal reading state, not organisation data: no audit event.
    ItemRead.objects.get_or_create(user=user, item=item)


def mark_unread(user: Any, item: FeedItem) -> None:
    ItemRead.objects.filter(user=user, item=item).delete()


def mark_all_read(user: Any, org: Organization) -> None:
    ReadMark.objects.update_or_create(
        user=user, organization=org, defaults={"read_until": timezone.now()}
    )
