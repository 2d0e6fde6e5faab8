from django.urls import path

from . import views

app_name = "intel"

urlpatterns = [
    path("o/<slug:org_slug>/intel/", views.timeline, name="timeline"),
    path("o/<slug:org_slug>/intel/read-all/", views.read_all, name="read_all"),
    path("o/<slug:org_slug>/intel/items/<int:pk>/read/", views.item_read, name="item_read"),
    path("o/<slug:org_slug>/intel/advisories/", views.advisory_list, name="advisories"),
    path(
        "o/<slug:org_slug>/intel/advisories/<int:pk>/",
        views.advisory_detail,
        name="advisory",
    ),
    path("o/<slug:org_slug>/intel/relevant/", views.relevant, name="relevant"),
    path("o/<slug:org_slug>/intel/relevant/<int:pk>/decide/", views.decide, name="decide"),
    path("o/<slug:org_slug>/intel/feeds/", views.feed_list, name="feeds"),
    path("o/<slug:org_slug>/intel/feeds/presets/", views.preset_toggle, name="preset"),
    path("o/<slug:org_slug>/intel/feeds/<int:pk>/", views.feed_edit, name="feed"),
    path("o/<slug:org_slug>/intel/feeds/<int:pk>/delete/", views.feed_delete, name="feed_delete"),
    path("o/<slug:org_slug>/intel/feeds/<int:pk>/fetch/", views.feed_fetch, name="feed_fetch"),
    path("o/<slug:org_slug>/intel/watches/", views.watch_list, name="watches"),
    path(
        "o/<slug:org_slug>/intel/watches/<int:pk>/delete/",
        views.watch_delete,
        name="watch_delete",
    ),
]
