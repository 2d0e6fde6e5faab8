from django.urls import path

from . import views

app_name = "notify"

base = "o/<slug:org_slug>/notifications/"

urlpatterns = [
    path(base, views.channel_list, name="channels"),
    path(base + "new/", views.channel_create, name="channel_create"),
    path(base + "<int:pk>/", views.channel_edit, name="channel_edit"),
    path(base + "<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path(base + "<int:pk>/test/", views.channel_test, name="channel_test"),
    path(base + "history/", views.history, name="history"),
    path(base + "mine/", views.preferences, name="preferences"),
    path(base + "calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
