from django.urls import path

from . import views

app_name = "assessments"

base = "o/<slug:org_slug>/assessments/"

urlpatterns = [
    path(base, views.assessment_list, name="list"),
    path(base + "<int:pk>/", views.assessment_detail, name="detail"),
    path(base + "<int:pk>/answer/<int:section>/", views.answer_section, name="answer"),
    path(base + "<int:pk>/review/", views.review, name="review"),
    path(base + "<int:pk>/complete/", views.complete, name="complete"),
    path(base + "<int:pk>/delete/", views.delete, name="delete"),
    path(base + "<int:pk>/result/", views.result, name="result"),
    path(base + "<int:pk>/compare/", views.compare, name="compare"),
    path(base + "security-action/", views.security_action, name="security_action"),
    path(base + "policy/", views.policy, name="policy"),
    path(base + "policy/generate/", views.policy_generate, name="policy_generate"),
    path(base + "policy/policy.pdf", views.policy_pdf, name="policy_pdf"),
    path(base + "policy/policy.docx", views.policy_doc, name="policy_doc"),
    path("o/<slug:org_slug>/report/", views.report, name="report"),
    path("o/<slug:org_slug>/report/report.pdf", views.report_pdf, name="report_pdf"),
]
