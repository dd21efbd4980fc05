"""What a person logs: footwear, numbness episodes, activities and a daily journal."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from heeljournal.enums import ActivityKind, FootwearKind, Side, SupportLevel


class LiveRecordManager(models.Manager):
    """Records the user has not deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class UserRecord(models.Model):
    """A record a phone keeps in sync: client-chosen id, change time, tombstone on delete.

    A deleted record stays as a tombstone (`deleted_at`) so phones learn of the deletion
    on their next sync; tombstones are purged after SYNC_TOMBSTONE_DAYS.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)  # a phone may choose it (offline-first)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveRecordManager()
    with_tombstones = models.Manager()

    class Meta:
        abstract = True
        default_manager_name = "objects"
        base_manager_name = "with_tombstones"


class Footwear(UserRecord):
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=FootwearKind.choices)
    arch_support = models.CharField(max_length=10, choices=SupportLevel.choices)
    cushioning = models.CharField(max_length=10, choices=SupportLevel.choices)
    orthotic_insert = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)

    class Meta(UserRecord.Meta):
        verbose_name_plural = "footwear"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="footwear_list"),  # footwear/ list
            models.Index(fields=["user", "updated_at"], name="footwear_sync"),  # ?updated_since=
        ]

    def __str__(self):
        return self.name


def _severity_field(**kwargs):
    return models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)], **kwargs)


class Episode(UserRecord):
    """One spell of heel numbness as the user felt it."""

    started_at = models.DateTimeField()
    local_date = models.DateField(editable=False)  # the user's own date of started_at: days are local
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    locations = models.JSONField(default=list)
    sensations = models.JSONField(default=list)
    severity = _severity_field()
    pain = _severity_field(null=True, blank=True)
    radiates_from_back = models.BooleanField(default=False)
    sudden_onset = models.BooleanField(default=False)
    foot_weakness = models.BooleanField(default=False)
    bowel_bladder_change = models.BooleanField(default=False)
    footwear = models.ForeignKey(Footwear, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(max_length=2000, blank=True)

    class Meta(UserRecord.Meta):
        indexes = [
            models.Index(fields=["user", "-started_at"], name="episode_list"),  # episodes/ list
            models.Index(fields=["user", "local_date"], name="episode_days"),  # daily series, ?from=&to=
            models.Index(fields=["user", "updated_at"], name="episode_sync"),  # ?updated_since=
        ]

    def __str__(self):
        return f"Severity {self.severity} on {self.local_date}"

    def save(self, *args, **kwargs):
        self.local_date = self.user.local_date(self.started_at)
        super().save(*args, **kwargs)

    @property
    def red_flags(self):
        return [flag for flag in ("sudden_onset", "foot_weakness", "bowel_bladder_change") if getattr(self, flag)]


class Activity(UserRecord):
    started_at = models.DateTimeField()
    local_date = models.DateField(editable=False)
    duration_minutes = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    footwear = models.ForeignKey(Footwear, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(max_length=2000, blank=True)

    class Meta(UserRecord.Meta):
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["user", "-started_at"], name="activity_list"),  # activities/ list
            models.Index(fields=["user", "local_date"], name="activity_days"),  # insights
            models.Index(fields=["user", "updated_at"], name="activity_sync"),  # ?updated_since=
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.local_date}"

    def save(self, *args, **kwargs):
        self.local_date = self.user.local_date(self.started_at)
        super().save(*args, **kwargs)


class JournalEntry(UserRecord):
    """The day as a whole, one per local date."""

    date = models.DateField()
    overall = _severity_field(null=True, blank=True)
    relief_measures = models.JSONField(default=list)
    notes = models.TextField(max_length=5000, blank=True)

    class Meta(UserRecord.Meta):
        verbose_name_plural = "journal entries"
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_journal_entry_per_day")]
        indexes = [models.Index(fields=["user", "updated_at"], name="journal_sync")]  # ?updated_since=

    def __str__(self):
        return f"Journal for {self.date}"
