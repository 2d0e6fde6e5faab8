from django.urls import path

from . import views

app_name = "inventory"

base = "o/<slug:org_slug>/inventory/"

urlpatterns = [
    path(base, views.index, name="index"),
    path(base + "<slug:register>/", views.record_list, name="list"),
    path(base + "<slug:register>/new/", views.record_create, name="create"),
    path(base + "<slug:register>/<int:pk>/", views.record_detail, name="detail"),
    path(base + "<slug:register>/<int:pk>/edit/", views.record_edit, name="edit"),
    path(base + "<slug:register>/<int:pk>/archive/", views.record_archive, name="archive"),
]
