from django.urls import path

from . import views

app_name = "inventory"

base = "o/<slug:org_slug>/inventory/"

urlpatterns = [
    path(base, views.index, name="index"),
    path(base + "shares/sharing-report/", views.sharing_report_import, name="sharing_report"),
    path(base + "<slug:register>/", views.record_list, name="list"),
    path(base + "<slug:register>/new/", views.record_create, name="create"),
    path(base + "<slug:register>/import/", views.record_import, name="import"),
    path(base + "<slug:register>/export/", views.record_export, name="export"),
    path(base + "<slug:register>/template/", views.record_template, name="template"),
    path(base + "<slug:register>/<int:pk>/", views.record_detail, name="detail"),
    path(base + "<slug:register>/<int:pk>/edit/", views.record_edit, name="edit"),
    path(base + "<slug:register>/<int:pk>/archive/", views.record_archive, name="archive"),
]
