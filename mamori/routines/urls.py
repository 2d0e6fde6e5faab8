from django.urls import path

from . import views

app_name = "routines"

base = "o/<slug:org_slug>/routines/"

urlpatterns = [
    path(base, views.chore_list, name="list"),
    path(base + "new/", views.chore_create, name="create"),
    path(base + "<int:pk>/edit/", views.chore_edit, name="edit"),
    path(base + "<int:pk>/done/", views.chore_done, name="done"),
    path(base + "<int:pk>/pause/", views.chore_pause, name="pause"),
]
