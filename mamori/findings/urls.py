from django.urls import path

from . import views

app_name = "findings"

base = "o/<slug:org_slug>/"

urlpatterns = [
    path(base + "findings/", views.finding_list, name="list"),
    path(base + "todo/", views.todo, name="todo"),
    path(base + "findings/<int:pk>/", views.finding_detail, name="detail"),
    path(base + "findings/<int:pk>/action/", views.action_update, name="action"),
    path(base + "findings/<int:pk>/accept/", views.accept_risk, name="accept"),
    path(base + "findings/<int:pk>/reopen/", views.reopen, name="reopen"),
    path(base + "findings/<int:pk>/recheck/", views.recheck, name="recheck"),
    path(base + "findings/<int:pk>/comment/", views.comment, name="comment"),
]
