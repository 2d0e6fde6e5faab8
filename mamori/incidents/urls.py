from django.urls import path

from . import card_views, views

app_name = "incidents"

base = "o/<slug:org_slug>/incidents/"
one = base + "<int:pk>/"

urlpatterns = [
    path(base, views.incident_list, name="list"),
    path(base + "what-happened/", views.triage_view, name="triage"),
    path(base + "report/", views.report_incident, name="report"),
    path(base + "playbooks/", views.playbook_list, name="playbooks"),
    path(base + "first-hour-card/", card_views.first_hour_card, name="first_hour_card"),
    path(base + "first-hour-card.pdf", card_views.first_hour_card_pdf, name="first_hour_card_pdf"),
    path(base + "playbooks/<slug:playbook_id>/", views.playbook_detail, name="playbook"),
    path(one, views.incident_detail, name="detail"),
    path(one + "edit/", views.incident_edit, name="edit"),
    path(one + "status/", views.change_status, name="status"),
    path(one + "step/", views.step, name="step"),
    path(one + "note/", views.add_note, name="note"),
    path(one + "evidence/", views.upload_evidence, name="evidence_upload"),
    path(one + "evidence/<int:file_id>/", views.download_evidence, name="evidence"),
    path(one + "tasks/", views.add_task, name="task_add"),
    path(one + "tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path(one + "breach/", views.breach, name="breach"),
    path(one + "review/", views.review, name="review"),
    path(one + "export.<str:fmt>", views.export, name="export"),
]
