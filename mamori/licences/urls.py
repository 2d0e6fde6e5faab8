from __future__ import annotations

from django.urls import path

from . import views

app_name = "licences"

base = "o/<slug:org_slug>/shadow-it/"

urlpatterns = [
    path(base, views.shadow_it, name="shadow_it"),
    path(base + "import/", views.shadow_it_import, name="shadow_it_import"),
    path(base + "<int:pk>/review/", views.shadow_it_review, name="shadow_it_review"),
]
