from django.urls import path

from . import views

app_name = "monitoring"

base = "o/<slug:org_slug>/monitoring/"

urlpatterns = [
    path(base, views.page_list, name="list"),
    path(base + "new/", views.page_create, name="create"),
    path(base + "from-websites/", views.watch_websites, name="from_websites"),
    path(base + "<int:pk>/", views.page_detail, name="detail"),
    path(base + "<int:pk>/edit/", views.page_edit, name="edit"),
    path(base + "<int:pk>/delete/", views.page_delete, name="delete"),
    path(base + "<int:pk>/check/", views.page_check, name="check"),
    path(base + "changes/<int:pk>/", views.change_detail, name="change"),
    path(base + "changes/<int:pk>/approve/", views.change_approve, name="approve"),
]
