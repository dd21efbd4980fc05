"""The clinician's side of the admin: their own patients only, read only, every look logged."""

from django.contrib.admin import RelatedOnlyFieldListFilter, ShowFacets
from django.contrib.admin.utils import get_fields_from_path
from django.http import Http404
from django.urls import reverse
from django.utils.text import capfirst

from accounts.models import User
from careteam.access import access_record
from careteam.http import client_address
from careteam.selectors import patient_ids_of

# The query a record list is filtered to one patient by (tracking.admin.PatientFilter's; the
# patient page links to each list so filtered).
PATIENT_LOOKUP = "user__id__exact"
RECORD_LISTS = (
    ("Episodes", "episode"),
    ("Activities", "activity"),
    ("Footwear", "footwear"),
    ("Journal", "journalentry"),
    ("Alerts", "escalation"),
)


def record_lists_of(patient):
    """(label, address) of each list of the patient's records, filtered to them."""
    return [
        (label, f"{reverse(f'admin:tracking_{model}_changelist')}?{PATIENT_LOOKUP}={patient.pk}")
        for label, model in RECORD_LISTS
    ]


class ClinicianScopedAdmin:
    """Mixed into a ModelAdmin (before it): for anyone but a superuser, only the rows of patients
    who gave them a code, never editable. Superusers see every row, and may write those the app
    does not write itself (`written_by_the_app`).

    Every door goes through `get_queryset` (changelist, search, filters, date drill-down,
    autocomplete, raw-id popups) or `get_object` (change, delete, history pages), so scoping
    both closes them all; an id outside the scope is a 404, not a redirect that tells it exists.
    """

    patient_lookup = "user"  # the path from a row to its patient: "user", "pk", "escalation__user"
    log_views = True  # a look at these rows is a look at the patient's journal
    # A filter's counts (`?_facets=`) are figures of rows a list does not show, so a look no
    # log would record: an empty list of alerts still counted "Be seen today (1)".
    show_facets = ShowFacets.NEVER
    # A patient's log and its audit are written by the app alone, for superusers too: an edit here
    # would raise no alert, record no edit, and read as the patient's own entry.
    written_by_the_app = False
    # Rows only the app makes (a sign-in's token, a patient's code, the link it opens, a
    # phone's push registration): a superuser may revoke one here, but not add one.
    made_by_the_app = False

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def scope(self, request, queryset):
        """The rows of `queryset` this viewer may see (an admin that builds its own queryset calls it)."""
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.patient_lookup}__in": patient_ids_of(clinician=request.user)})

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None and not request.user.is_superuser:
            raise Http404("Nothing here.")
        return found

    def may_write(self, request):
        return request.user.is_superuser and not self.written_by_the_app

    def has_add_permission(self, request):
        return self.may_write(request) and not self.made_by_the_app

    def has_change_permission(self, request, obj=None):
        return self.may_write(request)

    def has_delete_permission(self, request, obj=None):
        return self.may_write(request)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        # A plain related filter lists every row of the other table; this one lists only those in scope.
        return [
            (name, RelatedOnlyFieldListFilter)
            if isinstance(name, str) and get_fields_from_path(self.model, name)[-1].is_relation
            else name
            for name in filters
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and self.log_views:
            # A list of one patient's rows that shows none still tells of their journal (no alerts
            # of that level, say): a look at it, as a list that shows some is (its rows name them).
            rows = changelist.result_list
            listed = None if rows else self.patient_listed(request)
            what = f"{capfirst(self.opts.verbose_name_plural)} list"
            self.record_access(request, rows, what, [listed] if listed else [])
        return response

    def patient_listed(self, request):
        """The patient a list is filtered to (PATIENT_LOOKUP), if this viewer may read them; else None."""
        asked = request.GET.get(PATIENT_LOOKUP, "")
        if not (asked.isascii() and asked.isdigit()):
            return None
        patients = User.objects.filter(pk=int(asked))
        if not request.user.is_superuser:
            patients = patients.filter(pk__in=patient_ids_of(clinician=request.user))
        return int(asked) if patients.exists() else None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            self.record_access(request, [shown], f"{capfirst(self.opts.verbose_name)}: {shown}")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        if shown is not None:
            self.record_access(request, [shown], f"History of {self.opts.verbose_name}: {shown}")
        return response

    def record_access(self, request, rows, what, patient_ids=()):
        """A look at `rows` (and at the journals of `patient_ids`), one access line a patient."""
        if self.log_views:
            patient_ids = [*patient_ids, *(self.patient_id_of(row) for row in rows)]
            access_record(viewer=request.user, patient_ids=patient_ids, what=what, address=client_address(request))

    def patient_id_of(self, row):
        *path, last = self.patient_lookup.split("__")
        for step in path:
            row = getattr(row, step)
        return row.pk if last == "pk" else getattr(row, f"{last}_id")
