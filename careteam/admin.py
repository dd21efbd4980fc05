from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from careteam import access, reports
from careteam.chart import COLOURS, chart_layout, chart_svg
from careteam.http import client_address, download_name, file_download
from careteam.models import AccessLog, CareInvite, CareLink, Patient
from careteam.scoping import ClinicianScopedAdmin, record_lists_of
from careteam.selectors import live_links, patient_summary
from careteam.wording import WORSE_DAYS_COUNTED, patient_time
from heeljournal.enums import EscalationLevel

PAGE_DAYS = (30, 90)


class RedeemForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=40,
        help_text="The code your patient made in the app, e.g. ABCD-EFGH-JKMN-PQRS. It works once.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "size": 24}),
    )


@admin.register(Patient)
class PatientAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    """A clinician's patients; each opens onto the patient page."""

    patient_lookup = "pk"
    log_views = False  # the list holds emails and the date of linking, nothing from the journal
    written_by_the_app = True  # an account is made by registering and erased by its owner
    list_display = ("email", "timezone", "linked_since", "page_link")
    list_display_links = None
    search_fields = ("email",)
    ordering = ("email",)
    change_list_template = "careteam/admin/patient_change_list.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            queryset = queryset.filter(is_staff=False)  # the admin's own staff are no patients
        since = live_links().filter(patient=OuterRef("pk"), clinician=request.user).values("created_at")[:1]
        return queryset.annotate(linked_since=Subquery(since))

    @admin.display(description="Linked since", ordering="linked_since")
    def linked_since(self, patient):
        return patient_time(patient.linked_since, patient, zone_named=False)  # as every page shows times

    @admin.display(description="Journal")
    def page_link(self, patient):
        return format_html(
            '<a href="{}">Open the patient page</a>', reverse("admin:careteam_patient_page", args=[patient.pk])
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("redeem/", wrap(self.redeem_view), name="careteam_patient_redeem"),
            path("<int:patient_id>/page/", wrap(self.patient_page_view), name="careteam_patient_page"),
            path("<int:patient_id>/report.pdf", wrap(self.report_pdf_view), name="careteam_patient_report"),
            path("<int:patient_id>/export.csv", wrap(self.records_csv_view), name="careteam_patient_export"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        patient = self.get_object(request, object_id)
        if patient is None:
            raise Http404("Nothing here.")
        return redirect("admin:careteam_patient_page", patient.pk)

    def history_view(self, request, object_id, extra_context=None):
        return self.change_view(request, object_id)  # the patient page: their account has no history here

    def visible_patient(self, request, patient_id):
        """The patient, if this viewer may read them; a 404 otherwise, whether or not they exist."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        patient = self.get_queryset(request).filter(pk=patient_id).first()
        if patient is None:
            raise Http404("Nothing here.")
        return patient

    def patient_page_view(self, request, patient_id):
        patient = self.visible_patient(request, patient_id)
        days = _days(request, default=PAGE_DAYS[0])
        summary = patient_summary(patient=patient, days=days)
        self.record_journal_access(request, patient, f"Patient page, last {days} days")
        chart = chart_layout(figures=summary.figures, markers=summary.markers)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": patient.email,
            "subtitle": f"Last {days} days",
            "summary": summary,
            "chart": chart_svg(chart, title=f"Daily severity and pain of {patient.email}, last {days} days"),
            "days": days,
            "day_choices": PAGE_DAYS,
            "worse_days_counted": WORSE_DAYS_COUNTED,
            "record_lists": record_lists_of(patient),
            # The chart's colours: a level reads the same in its alert's box and on the chart.
            "level_colours": [(level, COLOURS[level]) for level in EscalationLevel],
            "chart_colours": COLOURS,
        }
        return TemplateResponse(request, "careteam/admin/patient_page.html", context)

    def report_pdf_view(self, request, patient_id):
        patient = self.visible_patient(request, patient_id)
        days = _days(request, default=PAGE_DAYS[-1])  # a visit looks further back than a glance
        content = reports.report_pdf(user=patient, days=days)
        self.record_journal_access(request, patient, f"PDF summary, last {days} days")
        return file_download(content, content_type="application/pdf", filename=download_name(patient, "summary.pdf"))

    def records_csv_view(self, request, patient_id):
        patient = self.visible_patient(request, patient_id)
        content = reports.records_csv(user=patient)
        self.record_journal_access(request, patient, "CSV of every record")
        filename = download_name(patient, "records.csv")
        return file_download(content, content_type="text/csv; charset=utf-8", filename=filename)

    def record_journal_access(self, request, patient, what):
        access.access_record(viewer=request.user, patient_ids=[patient.pk], what=what, address=client_address(request))

    def redeem_view(self, request):
        if not request.user.has_perm("careteam.redeem_invite"):
            raise PermissionDenied
        form = RedeemForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                link = access.invite_redeem(code=form.cleaned_data["code"], clinician=request.user)
            except access.InviteNotAccepted as refusal:
                form.add_error("code", str(refusal))
            else:
                messages.success(request, f"You can now read the journal of {link.patient.email}.")
                return redirect("admin:careteam_patient_page", link.patient_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Redeem an invite code",
            "form": form,
        }
        return TemplateResponse(request, "careteam/admin/redeem.html", context)


def _days(request, *, default):
    asked = request.GET.get("days")
    return int(asked) if asked in {str(days) for days in PAGE_DAYS} else default


@admin.register(AccessLog)
class AccessLogAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    """Append-only: a line says that someone read a journal; only that reading writes it, and
    no one changes or removes it here."""

    patient_lookup = "patient"
    log_views = False
    written_by_the_app = True
    list_display = ("at", "viewer_email", "patient", "what", "address")
    list_select_related = ("patient",)
    search_fields = ("viewer_email", "patient__email", "what")
    date_hierarchy = "at"
    readonly_fields = ("patient", "viewer", "viewer_email", "what", "at", "address")


@admin.register(CareLink)
class CareLinkAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    patient_lookup = "patient"
    log_views = False
    made_by_the_app = True
    list_display = ("patient", "clinician", "created_at", "revoked_at")
    list_select_related = ("patient", "clinician")
    search_fields = ("patient__email", "clinician__email")
    readonly_fields = ("patient", "clinician", "invite", "created_at", "revoked_at")


@admin.register(CareInvite)
class CareInviteAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    patient_lookup = "patient"
    log_views = False
    made_by_the_app = True
    list_display = ("patient", "created_at", "expires_at", "redeemed_at", "redeemed_by")
    list_select_related = ("patient", "redeemed_by")
    search_fields = ("patient__email",)
    exclude = ("digest",)  # useless to read, and one less thing to leak
    readonly_fields = ("patient", "created_at", "expires_at", "redeemed_at", "redeemed_by")
