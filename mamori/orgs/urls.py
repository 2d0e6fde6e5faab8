from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("orgs/", views.organization_list, name="list"),
    path("overview/", views.overview, name="overview"),
    path("overview/feeds/", views.overview_feed_presets, name="overview_feed_presets"),
    path("overview/checks/", views.overview_copy_checks, name="overview_copy_checks"),
    path(
        "overview/questionnaires/",
        views.overview_copy_questionnaires,
        name="overview_copy_questionnaires",
    ),
    path("overview/reports/", views.overview_reports, name="overview_reports"),
    path(
        "overview/reports/<int:job_id>/",
        views.overview_report_download,
        name="overview_report_download",
    ),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("o/<slug:org_slug>/members/", views.member_list, name="members"),
    path("o/<slug:org_slug>/members/invite/", views.member_invite, name="invite"),
    path("o/<slug:org_slug>/members/new/", views.member_create, name="member_create"),
    path("o/<slug:org_slug>/members/<int:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "o/<slug:org_slug>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("o/<slug:org_slug>/settings/", views.organization_settings, name="settings"),
    path("o/<slug:org_slug>/audit/", views.audit_list, name="audit"),
    path("o/<slug:org_slug>/audit/export/", views.audit_export, name="audit_export"),
]
