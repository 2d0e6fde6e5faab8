"""Job handlers of intel: ids in, a service called."""

from __future__ import annotations

from mamori.core.jobs import handler
from mamori.core.models import Job


@handler("intel.fetch_feed", queue="bulk")
def fetch_feed_job(job: Job) -> None:
    from .fetching import fetch_feed

    # Feed errors are kept on the feed (with its own backoff), not raised: the schedule goes on.
    fetch_feed(int(job.payload["feed_id"]), force=bool(job.payload.get("force")))


@handler("intel.rematch")
def rematch_job(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .vulnmatch import rematch

    org = Organization.objects.filter(pk=job.payload["organization_id"]).first()
    if org is not None:
        rematch(org)


@handler("intel.match_new")
def match_new_job(job: Job) -> None:
    from mamori.orgs.models import Organization

    from .vulnmatch import match_new

    org = Organization.objects.filter(pk=job.payload["organization_id"]).first()
    if org is not None:
        match_new(org, [int(pk) for pk in job.payload.get("advisory_ids", [])])


@handler("intel.sync_nvd", queue="bulk")
def sync_nvd_job(job: Job) -> None:
    from .sync import sync_nvd

    sync_nvd()


@handler("intel.sync_kev", queue="bulk")
def sync_kev_job(job: Job) -> None:
    from .sync import sync_document

    sync_document("kev")


@handler("intel.sync_jvn", queue="bulk")
def sync_jvn_job(job: Job) -> None:
    from .sync import sync_document

    sync_document("jvn")


@handler("intel.sync_myjvn", queue="bulk")
def sync_myjvn_job(job: Job) -> None:
    from .sync import sync_myjvn

    sync_myjvn()
