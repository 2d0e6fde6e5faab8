from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from mamori.incidents import services


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    owner = members["owner"]
    incident = services.report_incident(
        None, org, title="Role test", playbook_ids=["ransomware"], actor=owner
    )
    task = services.add_task(None, incident, "Role test task")
    evidence = services.add_evidence(
        None, incident, SimpleUploadedFile("note.txt", b"evidence"), actor=owner
    )
    one = {"pk": incident.pk}
    args: dict[str, dict[str, Any]] = {
        f"incidents:{name}": one
        for name in (
            "detail",
            "edit",
            "status",
            "step",
            "note",
            "evidence_upload",
            "task_add",
            "breach",
            "review",
        )
    }
    args["incidents:evidence"] = {**one, "file_id": evidence.pk}
    args["incidents:task_done"] = {**one, "task_id": task.pk}
    args["incidents:export"] = {**one, "fmt": "json"}
    args["incidents:playbook"] = {"playbook_id": "ransomware"}
    return args
