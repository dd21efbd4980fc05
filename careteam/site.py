"""The admin site: Django's, named for HeelJournal, with its autocomplete answers audited."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.text import capfirst

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


class HeelJournalAdminSite(admin.AdminSite):
    site_header = site_title = "HeelJournal"
    site_url = None  # no public site: "View site" led to a 404
    # Its side bar took the room of a list's last columns (an episode's red flags) at 1280 px.
    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return AuditedAutocompleteJsonView.as_view(admin_site=self)(request)
