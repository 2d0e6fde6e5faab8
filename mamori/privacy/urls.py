from __future__ import annotations

from django.urls import path

from . import views

app_name = "privacy"

base = "o/<slug:org_slug>/privacy/"

urlpatterns = [
    path(base + "supervision/<int:pk>/audits/", views.audit_add, name="audit_add"),
    path(base + "supervision/<int:pk>/link/", views.link_create, name="link_create"),
    path(base + "links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path(base + "incidents/<int:pk>/personal-data/", views.incident_data, name="incident_data"),
    path("q/<str:token>/", views.questionnaire, name="questionnaire"),
]
