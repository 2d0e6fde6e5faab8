from django.urls import path

from . import views

app_name = "continuity"

base = "o/<slug:org_slug>/continuity/"

urlpatterns = [
    path(base + "backups/<int:pk>/restore-tests/", views.restore_test_add, name="restore_test"),
    path(
        base + "backups/<int:pk>/restore-tests/<int:test_id>/evidence/",
        views.restore_evidence,
        name="restore_evidence",
    ),
    path(base + "bcp/", views.bcp_sheet, name="bcp"),
    path(base + "bcp/pdf/", views.bcp_pdf, name="bcp_pdf"),
]
