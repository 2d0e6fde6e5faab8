from django.urls import path

from . import views

app_name = "mailcheck"

base = "o/<slug:org_slug>/mail/"

urlpatterns = [
    path(base, views.history, name="history"),
    path(base + "check/", views.upload, name="upload"),
    path(base + "settings/", views.settings_view, name="settings"),
    path(base + "<int:pk>/", views.detail, name="detail"),
    path(base + "<int:pk>/report/", views.report, name="report"),
    path(base + "<int:pk>/raw/", views.raw, name="raw"),
]
