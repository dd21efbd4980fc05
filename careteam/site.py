"""The admin site: Django's, named for HeelJournal, with its autocomplete answers audited."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import Http404
from django.urls import path
from django.utils.text import capfirst

from accounts.forms import ThrottledAdminLoginForm
from careteam.scoping import ClinicianScopedAdmin


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete answers any staff user with rows of the admin it searches (a shoe's name
    and its owner, say), widget or not: for a patient's rows, a look at their journal."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if isinstance(self.model_admin, ClinicianScopedAdmin):
            # Not the words searched: they could name another patient, in this one's log.
            what = f"{capfirst(self.model_admin.opts.verbose_name_plural)} search"
            self.model_admin.record_access(self.request, context["object_list"], what)
        return context


def no_site_page(request, content_type_id, object_id):
    """Django's "view on site", for models with a page of their own outside the admin: none here."""
    raise Http404("No page outside the admin.")


class HeelJournalAdminSite(admin.AdminSite):
    site_header = site_title = "HeelJournal"
    site_url = None  # no public site: "View site" led to a 404
    # Its side bar took the room of a list's last columns (an episode's red flags) at 1280 px.
    enable_nav_sidebar = False
    login_form = ThrottledAdminLoginForm

    def get_urls(self):
        """Django's, but "view on site" answers 404 alone: no model here has a page of its own,
        and Django's view fetched any patient's row to say so (a 500 for an id not a UUID)."""
        refused = path("r/<path:content_type_id>/<path:object_id>/", self.admin_view(no_site_page), name="view_on_site")
        return [refused if getattr(url, "name", None) == "view_on_site" else url for url in super().get_urls()]

    def autocomplete_view(self, request):
        return AuditedAutocompleteJsonView.as_view(admin_site=self)(request)
