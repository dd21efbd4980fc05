from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from heeljournal.health import health
from heeljournal.renderers import FastJSONRenderer


class DocsView(SpectacularSwaggerView):
    """The API's page for people. What it is not for (OPTIONS, a write) is answered in JSON, as
    anywhere under /api/: its HTML renderer, asked to, failed (a 500) or wrote HTML."""

    def get_renderers(self):
        if self.request.method in ("GET", "HEAD"):
            return super().get_renderers()
        return [FastJSONRenderer()]


# The records first: Django tries routes in order, and a route it passes costs every request
# that comes after it (5% of listing a page when the records came last, by py-spy).
api = [
    path("", include("tracking.urls")),
    path("", include("accounts.urls")),
    path("health/", health, name="health"),
    path("", include("guidance.urls")),
    path("", include("careteam.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
]

# Under /api/ a refused request, an unknown URL or a crash still answers JSON; elsewhere,
# Django's page (400) or the admin's own look.
handler400 = "heeljournal.api.bad_request"
handler403 = "heeljournal.api.permission_denied"
handler404 = "heeljournal.api.not_found"
handler500 = "heeljournal.api.server_error"
