from django.contrib import admin

from careteam.scoping import ClinicianScopedAdmin
from tracking.models import Activity, Episode, Escalation, EscalationEvent, Footwear, JournalEntry


class RecordAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    """Superusers' view of every record, tombstones included; a clinician's view of their
    patients' live records, read only (careteam.scoping)."""

    list_select_related = ("user",)
    search_fields = ("user__email",)
    readonly_fields = ("id", "user", "created_at", "updated_at", "deleted_at")

    def get_queryset(self, request):
        # What a patient deleted is gone for their clinician; superusers still see the tombstone.
        manager = self.model.with_tombstones if request.user.is_superuser else self.model.objects
        return self.scope(request, manager.select_related("user"))


@admin.register(Episode)
class EpisodeAdmin(RecordAdmin):
    list_display = ("user", "started_at", "local_date", "side", "severity", "pain", "red_flag_list")
    list_filter = ("side", "sudden_onset", "foot_weakness", "bowel_bladder_change")
    date_hierarchy = "started_at"
    readonly_fields = RecordAdmin.readonly_fields + ("local_date",)

    @admin.display(description="Red flags")
    def red_flag_list(self, episode):
        return ", ".join(episode.red_flags) or "-"


@admin.register(Footwear)
class FootwearAdmin(RecordAdmin):
    list_display = ("user", "name", "kind", "arch_support", "cushioning", "retired")


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    list_display = ("user", "started_at", "kind", "duration_minutes")


@admin.register(JournalEntry)
class JournalEntryAdmin(RecordAdmin):
    list_display = ("user", "date", "overall")


class EscalationEventInline(admin.TabularInline):
    """An escalation's history: written by tracking.escalations only."""

    model = EscalationEvent
    fields = readonly_fields = ("at", "what", "from_state", "to_state", "why")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    """Alerts and their evidence, read only: tracking.escalations is their one writer."""

    list_display = ("user", "level", "reason", "created_at", "state", "acknowledged_at", "closed_at")
    list_filter = ("level", "reason")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "created_at"
    inlines = [EscalationEventInline]
    readonly_fields = [field.name for field in Escalation._meta.fields if field.name != "id"]
