from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from careteam.scoping import PATIENT_LOOKUP, ClinicianScopedAdmin
from careteam.wording import evidence_described, labels_of, patient_time
from guidance.models import Article
from heeljournal.enums import LEVEL_RANKS, EscalationReason, EscalationState, HeelLocation, ReliefMeasure, Sensation
from tracking.models import (
    RED_FLAG_FIELDS,
    Activity,
    Episode,
    EpisodeRevision,
    Escalation,
    EscalationEvent,
    Footwear,
    JournalEntry,
)


def on_patients_clock(field, description, *, in_list=False):
    """A ModelAdmin display of a stored time as the patient lived it (careteam.wording.patient_time);
    `in_list`, a list's shorter cell."""

    @admin.display(description=f"{description} (patient's time)", ordering=field)
    def display(self, record):
        return patient_time(getattr(record, field), record.user, zone_named=not in_list)

    return display


def red_flag_told(flag):
    """A ModelAdmin display of an episode's red flag in words."""

    @admin.display(description=Episode.field_label(flag))
    def display(self, episode):
        if not getattr(episode, flag):
            return "No"
        return "Yes: a red flag" if RED_FLAG_FIELDS[flag] in episode.red_flags else "Yes"

    return display


class PatientFilter(admin.RelatedOnlyFieldListFilter):
    """A list by patient, offering only the patients whose rows are in it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "patient"

    def has_output(self):
        # Always: Django drops a filter of one choice, and its filtering with it, so a link to
        # a patient who has since ended the link listed the clinician's other patient's rows.
        return True


class ReaderView:
    """Mixed into a ModelAdmin: what a reader (a clinician, who may not change a row) sees of
    a record. Stored fields give way to a reader's rendering of them (`labelled`: labels, the
    patient's clock), and UTC bookkeeping is left out (`unread`); editors see the fields."""

    labelled = {"user": "patient_link"}
    unread = set()
    object_history_template = "tracking/admin/record_history.html"  # history_rows, then the admin's log
    history_title = "Changes made in the app"
    history_empty = "The app keeps no history of changes to this record: its page shows it as it is now."

    @admin.display(description="Patient")
    def patient_link(self, record):
        # Django's link would open the account, which a clinician may not: a 403.
        page = reverse("admin:careteam_patient_page", args=[record.user_id])
        return format_html('<a href="{}">{}</a>', page, record.user)

    @admin.display(description="Patient", ordering="user__email")
    def patient(self, record):
        return record.user  # as the column's header says, beside the filter "By patient"

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        # A clinician reads patient by patient (the patient page links to these lists so
        # filtered); a superuser's side bar would list every account.
        return filters if request.user.is_superuser else [("user", PatientFilter), *filters]

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == PATIENT_LOOKUP or super().lookup_allowed(lookup, value, request)

    def history_rows(self, request, record):
        """The record's history in the app, as {when, what} rows; None shows the admin's own log alone."""
        return []

    def history_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, unquote(object_id))
        rows = None if record is None else self.history_rows(request, record)
        shown = {"history_rows": rows, "history_title": self.history_title, "history_empty": self.history_empty}
        return super().history_view(request, object_id, {**(extra_context or {}), **shown})

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return list(dict.fromkeys(self.labelled.get(name, name) for name in fields if name not in self.unread))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if self.has_change_permission(request, obj) else (*fields, *self.labelled.values())


class RecordAdmin(ReaderView, ClinicianScopedAdmin, admin.ModelAdmin):
    """Superusers' view of every record, tombstones included; a clinician's view of their
    patients' live records; read only for both (careteam.scoping)."""

    written_by_the_app = True
    list_select_related = ("user",)
    search_fields = ("user__email", "notes")
    readonly_fields = ("id", "user", "created_at", "updated_at", "deleted_at", "deleted_locally")
    labelled = {**ReaderView.labelled, "created_at": "logged_locally"}
    unread = {"id", "updated_at", "deleted_at"}  # bookkeeping, in UTC

    class Media:
        css = {"all": ["tracking/admin.css"]}

    def get_queryset(self, request):
        # What a patient deleted is gone for their clinician; superusers still see the tombstone.
        manager = self.model.with_tombstones if request.user.is_superuser else self.model.objects
        records = manager.select_related("user")
        if ordering := self.get_ordering(request):  # as Django's own get_queryset orders
            records = records.order_by(*ordering)
        return self.scope(request, records)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return (*shown, "deleted_listed") if request.user.is_superuser else shown

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "deleted_locally"]
        return [*fields, "deleted_locally"] if obj is not None and obj.deleted_at else fields  # a superuser's tombstone

    logged_locally = on_patients_clock("created_at", "Logged")
    deleted_locally = on_patients_clock("deleted_at", "Deleted")
    deleted_listed = on_patients_clock("deleted_at", "Deleted", in_list=True)


class DatedRecordAdmin(RecordAdmin):
    """Episodes and activities: when each started, on the patient's own clock."""

    readonly_fields = RecordAdmin.readonly_fields + ("local_date",)
    ordering = ("-started_at",)
    labelled = {**RecordAdmin.labelled, "started_at": "started_locally"}

    started_locally = on_patients_clock("started_at", "Started")
    started_listed = on_patients_clock("started_at", "Started", in_list=True)


# The labels of the values an episode holds in lists (the other fields carry their choices).
LIST_LABELS = {"locations": HeelLocation, "sensations": Sensation}


# An edit names fields as they were then; one since renamed or removed still reads, raw, last.
EPISODE_FIELDS = {field.name: field for field in Episode._meta.fields}
FIELD_ORDER = {name: number for number, name in enumerate(EPISODE_FIELDS)}


def episode_value(name, value, patient):
    """An episode's value as a clinician reads it: labels, not the codes the app stores."""
    field = EPISODE_FIELDS.get(name)
    if value is None or value == "" or value == []:
        return "-"
    if name in LIST_LABELS:
        return ", ".join(labels_of(value, LIST_LABELS[name]))
    if name == "footwear":  # an id in the edit: the shoe's name, deleted or not
        return Footwear.with_tombstones.filter(pk=value).values_list("name", flat=True).first() or str(value)
    if field is not None and field.choices:
        return dict(field.choices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(str(value))):  # ISO text in the edit
        return patient_time(moment, patient)
    return str(value)


def revision_described(revision, patient):
    """One edit in words, in the order of the episode's page (PostgreSQL's jsonb keeps its own):
    "Locations: Underside → Back, Underside; Severity: 5 → 7"."""
    changes = sorted(revision.changes.items(), key=lambda change: FIELD_ORDER.get(change[0], len(FIELD_ORDER)))
    return "; ".join(
        f"{Episode.field_label(name)}: {episode_value(name, before, patient)} → {episode_value(name, after, patient)}"
        for name, (before, after) in changes
    )


class EpisodeRevisionInline(admin.TabularInline):
    """An episode's edits, oldest first: what each changed, from what to what."""

    model = EpisodeRevision
    fields = readonly_fields = ("when", "what_changed")
    extra = 0
    can_delete = False
    verbose_name = "edit"
    template = "tracking/admin/edits_inline.html"  # with none yet, a line saying so, not an empty table
    none_yet = "The patient has not edited this episode since logging it."

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("episode__user")  # each edit's times are the patient's

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="When")
    def when(self, revision):
        return patient_time(revision.at, revision.episode.user)

    @admin.display(description="What changed")
    def what_changed(self, revision):
        return revision_described(revision, revision.episode.user)


@admin.register(Episode)
class EpisodeAdmin(DatedRecordAdmin):
    list_display = ("patient", "started_listed", "side", "severity", "pain", "red_flag_list", "edit_count")
    list_filter = ("side", "radiates_from_back", *RED_FLAG_FIELDS)
    date_hierarchy = "local_date"  # the patient's days, as the rules and the patient page count them
    readonly_fields = (*DatedRecordAdmin.readonly_fields, "escalation_link")
    labelled = {
        **DatedRecordAdmin.labelled,
        "locations": "location_labels",
        "sensations": "sensation_labels",
        # A red flag logged is no green tick to a reader: it says so; the other yes and no alike.
        **{flag: f"{flag}_told" for flag in RED_FLAG_FIELDS},
        "radiates_from_back": "radiates_told",
    }
    inlines = [EpisodeRevisionInline]
    history_title = "Edits made in the app"
    history_empty = EpisodeRevisionInline.none_yet

    def get_queryset(self, request):
        # A count per row, not a GROUP BY over the page (and dropped from the page's count query).
        edits = EpisodeRevision.objects.filter(episode=OuterRef("pk")).order_by().values("episode")
        edit_count = Coalesce(Subquery(edits.annotate(count=Count("id")).values("count")), 0)
        return super().get_queryset(request).annotate(edit_count=edit_count)

    @admin.display(description="Locations")
    def location_labels(self, episode):
        return episode_value("locations", episode.locations, episode.user)

    @admin.display(description="Sensations")
    def sensation_labels(self, episode):
        return episode_value("sensations", episode.sensations, episode.user)

    @admin.display(description="Red flags")
    def red_flag_list(self, episode):
        return ", ".join(EscalationReason(reason).label for reason in episode.red_flags) or "-"

    def history_rows(self, request, episode):
        if not request.user.has_perm("tracking.view_episoderevision"):  # as on the episode's page
            return None
        return [
            {"when": patient_time(edit.at, episode.user), "what": revision_described(edit, episode.user)}
            for edit in episode.revisions.all()
        ]

    @admin.display(description=Episode.field_label("radiates_from_back"))
    def radiates_told(self, episode):
        return "Yes" if episode.radiates_from_back else "No"

    sudden_onset_told = red_flag_told("sudden_onset")
    foot_weakness_told = red_flag_told("foot_weakness")
    bowel_bladder_change_told = red_flag_told("bowel_bladder_change")

    @admin.display(description="Escalation it raised")
    def escalation_link(self, episode):
        if episode.escalation_id is None:
            return "-"
        page = reverse("admin:tracking_escalation_change", args=[episode.escalation_id])
        return format_html('<a href="{}">{}</a>', page, episode.escalation)

    @admin.display(description="Edits", ordering="edit_count")
    def edit_count(self, episode):
        return episode.edit_count or "-"


@admin.register(Footwear)
class FootwearAdmin(RecordAdmin):
    search_fields = ("user__email", "name")
    list_display = ("patient", "name", "kind", "arch_support", "cushioning", "retired")
    ordering = ("-created_at",)


@admin.register(Activity)
class ActivityAdmin(DatedRecordAdmin):
    list_display = ("patient", "started_listed", "kind", "duration_minutes")


@admin.register(JournalEntry)
class JournalEntryAdmin(RecordAdmin):
    list_display = ("patient", "date", "overall")
    ordering = ("-date",)
    labelled = {**RecordAdmin.labelled, "relief_measures": "relief_labels"}

    @admin.display(description="Relief measures")
    def relief_labels(self, entry):
        return ", ".join(labels_of(entry.relief_measures, ReliefMeasure)) or "-"


# An escalation's level as its rank, to sort by (the stored codes sort by their letters).
LEVEL_RANK = Case(*(When(level=level, then=Value(rank)) for level, rank in LEVEL_RANKS.items()))
STILL_OPEN = ExpressionWrapper(Q(closed_at__isnull=True), output_field=BooleanField())


def event_described(event):
    """ "Acknowledged: open → acknowledged. The patient acknowledged it in the app." """
    return f"{event.what.capitalize()}: {event.from_state or '-'} → {event.to_state}. {event.why}"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return EscalationState.choices

    def queryset(self, request, queryset):
        condition = Escalation.IN_STATE.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class EscalationEventInline(admin.TabularInline):
    """An escalation's history: written by tracking.escalations only."""

    model = EscalationEvent
    fields = readonly_fields = ("when", "what", "from_state", "to_state", "why")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("escalation__user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="When (patient's time)")
    def when(self, event):
        return patient_time(event.at, event.escalation.user)


@admin.register(Escalation)
class EscalationAdmin(ReaderView, ClinicianScopedAdmin, admin.ModelAdmin):
    """Alerts and their evidence, read only: tracking.escalations is their one writer."""

    written_by_the_app = True

    list_display = ("patient", "level_label", "reason", "opened_listed", "state_label")
    list_filter = (StateFilter, "level", "reason")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    inlines = [EscalationEventInline]
    history_title = "What happened to this alert"
    history_empty = "Nothing yet."
    readonly_fields = [field.name for field in Escalation._meta.fields if field.name != "id"]
    labelled = {
        **ReaderView.labelled,
        "guidance": "guidance_titles",
        "evidence": "evidence_words",
        "created_at": "opened_locally",
        "acknowledged_at": "acknowledged_locally",
        "closed_at": "closed_locally",
        "last_sent_at": "last_sent_locally",
    }
    unread = {"updated_at"}

    opened_locally = on_patients_clock("created_at", "Opened")
    opened_listed = on_patients_clock("created_at", "Opened", in_list=True)
    acknowledged_locally = on_patients_clock("acknowledged_at", "Acknowledged")
    closed_locally = on_patients_clock("closed_at", "Closed")
    last_sent_locally = on_patients_clock("last_sent_at", "Last alert sent")

    def get_ordering(self, request):
        return (STILL_OPEN.desc(), LEVEL_RANK.desc(), "-created_at")  # the open ones, most pressing first

    @admin.display(description="Level", ordering=LEVEL_RANK)
    def level_label(self, escalation):
        return escalation.get_level_display()

    @admin.display(description="State")
    def state_label(self, escalation):
        return escalation.state.label

    def history_rows(self, request, escalation):
        return [
            {"when": patient_time(event.at, escalation.user), "what": event_described(event)}
            for event in escalation.events.order_by("at", "id")
        ]

    @admin.display(description="Evidence")
    def evidence_words(self, escalation):
        lines = evidence_described(escalation.reason, escalation.evidence, escalation.user, escalation.last_held_on)
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))

    @admin.display(description="Guidance linked")
    def guidance_titles(self, escalation):
        titles = dict(Article.objects.filter(slug__in=escalation.guidance).values_list("slug", "title"))
        return ", ".join(titles.get(slug, slug) for slug in escalation.guidance) or "-"
