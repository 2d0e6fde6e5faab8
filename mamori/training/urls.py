from __future__ import annotations

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("o/<slug:org_slug>/drills/", views.drill_list, name="drill_list"),
    path("o/<slug:org_slug>/drills/new/", views.drill_create, name="drill_create"),
    path("o/<slug:org_slug>/drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("o/<slug:org_slug>/drills/<int:pk>/approve/", views.drill_approve, name="drill_approve"),
    path("o/<slug:org_slug>/drills/<int:pk>/results.pdf", views.drill_pdf, name="drill_pdf"),
    # Public, by token: the open-tracking image, the mail's link and the attachment's link.
    path("d/<str:token>/i.gif", views.pixel, name="pixel"),
    path("d/<str:token>/", views.click, name="click"),
    path("d/<str:token>/doc/", views.attachment, name="attachment"),
]
