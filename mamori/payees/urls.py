from __future__ import annotations

from django.urls import path

from . import views

app_name = "payees"

base = "o/<slug:org_slug>/payees/"

urlpatterns = [
    path(base, views.index, name="index"),
    path(base + "export/", views.accounting_export, name="export"),
    path(base + "<int:payee_pk>/change/", views.change_create, name="change_new"),
    path(base + "<int:pk>/reveal/", views.reveal, name="reveal"),
    path(base + "changes/<int:pk>/", views.change_detail, name="change"),
    path(base + "changes/<int:pk>/callback/", views.callback, name="callback"),
    path(base + "changes/<int:pk>/checklist/", views.checklist, name="checklist"),
    path(base + "changes/<int:pk>/approve/", views.approve, name="approve"),
    path(base + "changes/<int:pk>/reject/", views.reject, name="reject"),
]
