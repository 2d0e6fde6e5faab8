from __future__ import annotations

from typing import Any

from mamori.core.jobs import enqueue


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    job = enqueue("test.noop", organization_id=org.pk)
    return {"core:job_retry": {"job_id": job.pk}}
