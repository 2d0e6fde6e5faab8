from django.urls import include, path

from mamori.accounts.views import set_language
from mamori.api import api

urlpatterns = [
    path("", include("mamori.core.urls")),
    path("", include("mamori.orgs.urls")),
    path("", include("mamori.findings.urls")),
    path("", include("mamori.inventory.urls")),
    path("", include("mamori.mailcheck.urls")),
    path("", include("mamori.intel.urls")),
    path("", include("mamori.monitoring.urls")),
    path("", include("mamori.notify.urls")),
    path("", include("mamori.assessments.urls")),
    path("", include("mamori.incidents.urls")),
    path("", include("mamori.payees.urls")),
    path("", include("mamori.continuity.urls")),
    path("", include("mamori.routines.urls")),
    path("", include("mamori.privacy.urls")),
    path("", include("mamori.training.urls")),
    path("", include("mamori.licences.urls")),
    path("accounts/", include("mamori.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

handler400 = "mamori.core.errors.bad_request"
handler403 = "mamori.core.errors.forbidden"
handler404 = "mamori.core.errors.not_found"
handler500 = "mamori.core.errors.server_error"
