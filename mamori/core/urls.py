from django.urls import path

from . import dbcheck, health, metrics, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", dbcheck.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("setup/", views.first_run, name="first_run"),
    path("switch/", views.switch_organization, name="switch"),
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/jobs/", views.jobs, name="jobs"),
    path("o/<slug:org_slug>/jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
]
