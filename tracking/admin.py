from django.contrib import admin

from tracking.models import Activity, Episode, Footwear, JournalEntry


class RecordAdmin(admin.ModelAdmin):
    """Superusers' view of every record, tombstones included."""

    list_select_related = ("user",)
    search_fields = ("user__email",)
    readonly_fields = ("id", "user", "created_at", "updated_at", "deleted_at")

    def get_queryset(self, request):
        return self.model.with_tombstones.select_related("user")


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
