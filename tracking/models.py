"""What a person logs: footwear, numbness episodes, activities and a daily journal."""

import uuid

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from heeljournal.dates import day_words
from heeljournal.enums import (
    ActivityKind,
    Channel,
    EscalationLevel,
    EscalationReason,
    EscalationState,
    FootwearKind,
    Side,
    SupportLevel,
)
from tracking.trends import Rules, red_flag_findings


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
    # No index of the user alone: each kind has fuller ones that start with the user. Given one,
    # PostgreSQL read a page by it, every record of the user then sorted, reckoning on an average log.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
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
            models.Index(fields=["user", "-created_at", "-id"], name="footwear_page"),  # footwear/ list, in page order
            models.Index(fields=["user", "updated_at", "id"], name="footwear_changes"),  # ?updated_since=
        ]

    def __str__(self):
        return self.name


def _severity_field(verbose_name, **kwargs):
    """A 0 to 10 rating; its name says the scale, for a clinician reading it."""
    return models.PositiveSmallIntegerField(
        f"{verbose_name} (0-10)", validators=[MinValueValidator(0), MaxValueValidator(10)], **kwargs
    )


def _duration_field(**kwargs):
    """Minutes, within one day."""
    return models.PositiveSmallIntegerField(
        "duration (minutes)", validators=[MinValueValidator(1), MaxValueValidator(24 * 60)], **kwargs
    )


class DatedRecord(UserRecord):
    """A record of something that happened at a time, filed under the user's own local date."""

    started_at = models.DateTimeField()
    local_date = models.DateField(editable=False)  # days are the user's, not the server's
    footwear = models.ForeignKey(Footwear, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(max_length=2000, blank=True)

    class Meta(UserRecord.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        self.file_under_local_date()
        super().save(*args, **kwargs)

    def file_under_local_date(self):
        self.local_date = self.user.local_date(self.started_at)


# The columns behind a day's figures for the trend rules: its severity, pain, sides and red flags.
DAY_FIGURE_COLUMNS = (
    "severity",
    "pain",
    "side",
    "radiates_from_back",
    "sudden_onset",
    "foot_weakness",
    "bowel_bladder_change",
)


# An episode's fields that can be red flags, each with the reason it raises when it does
# (tracking.trends.red_flag_findings decides: a sudden onset only when severe).
RED_FLAG_FIELDS = {
    "sudden_onset": EscalationReason.SUDDEN_SEVERE,
    "foot_weakness": EscalationReason.FOOT_WEAKNESS,
    "bowel_bladder_change": EscalationReason.BOWEL_BLADDER,
}
# What an episode's red flags are decided on.
RED_FLAG_INPUTS = (*RED_FLAG_FIELDS, "severity")


def red_flags_in(figures):
    """The red-flag findings of an episode's `figures` (RED_FLAG_INPUTS), under the settings' rules."""
    return red_flag_findings(**figures, rules=Rules.from_settings())


class Episode(DatedRecord):
    """One spell of heel numbness as the user felt it."""

    duration_minutes = _duration_field(null=True, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    locations = models.JSONField(default=list)
    sensations = models.JSONField(default=list)
    severity = _severity_field("severity")
    pain = _severity_field("pain", null=True, blank=True)
    radiates_from_back = models.BooleanField(default=False)
    sudden_onset = models.BooleanField(default=False)
    foot_weakness = models.BooleanField(default=False)
    bowel_bladder_change = models.BooleanField("bowel or bladder change", default=False)
    # The red-flag escalation this episode raised at once, if any.
    escalation = models.ForeignKey(
        "Escalation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta(DatedRecord.Meta):
        indexes = [
            models.Index(fields=["user", "-started_at", "-id"], name="episode_page"),  # episodes/ list, in page order
            # The daily figures the trend rules sum (selectors.rule_windows), read from the index alone.
            models.Index(
                fields=["user", "local_date"],
                include=[*DAY_FIGURE_COLUMNS],
                condition=models.Q(deleted_at__isnull=True),
                name="episode_day_figures",
            ),
            models.Index(fields=["user", "updated_at", "id"], name="episode_changes"),  # ?updated_since=
        ]

    def __str__(self):
        return f"Severity {self.severity} on {day_words(self.local_date)}"

    @classmethod
    def field_label(cls, name):
        """A field's name as a reader sees it ("Started at"); an edit may name one since gone."""
        try:
            return capfirst(cls._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def red_flag_findings(self):
        return red_flags_in({name: getattr(self, name) for name in RED_FLAG_INPUTS})

    @property
    def red_flags(self):
        """The red-flag reasons this episode raises, by the rules: a mild sudden onset raises none."""
        return [finding.reason for finding in self.red_flag_findings()]


class EpisodeRevision(models.Model):
    """What one edit changed in an episode, so that a clinician reads the log as it was kept."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="revisions")
    at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(encoder=DjangoJSONEncoder)  # {field: [before, after]}

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        # The admin shows it above the edit's row, whose time is on the patient's clock.
        return f"Edit of {', '.join(Episode.field_label(name).lower() for name in self.changes)}"


class Activity(DatedRecord):
    duration_minutes = _duration_field()
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)

    class Meta(DatedRecord.Meta):
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["user", "-started_at", "-id"], name="activity_page"),  # activities/ list, page order
            models.Index(fields=["user", "local_date"], name="activity_days"),  # insights
            models.Index(fields=["user", "updated_at", "id"], name="activity_changes"),  # ?updated_since=
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {day_words(self.local_date)}"


class JournalEntry(UserRecord):
    """The day as a whole, one per local date."""

    date = models.DateField()
    overall = _severity_field("overall", null=True, blank=True)
    relief_measures = models.JSONField(default=list)
    notes = models.TextField(max_length=5000, blank=True)

    class Meta(UserRecord.Meta):
        verbose_name_plural = "journal entries"
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_journal_entry_per_day")]
        indexes = [models.Index(fields=["user", "updated_at", "id"], name="journal_changes")]  # ?updated_since=

    def __str__(self):
        return f"Journal for {day_words(self.date)}"


class Escalation(models.Model):
    """A "seek care" alert: at most one open per user and reason, updated while its rule holds."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalations")
    reason = models.CharField(max_length=30, choices=EscalationReason.choices)
    level = models.CharField(max_length=20, choices=EscalationLevel.choices)
    title = models.CharField(max_length=200)
    message = models.TextField()
    guidance = models.JSONField(default=list)  # guidance article slugs
    evidence = models.JSONField(default=dict)  # the days, figures and thresholds behind the decision
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_held_on = models.DateField()  # the user's last local date on which the rule held (a red flag: was told)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveSmallIntegerField(default=0)  # alerts sent so far: the first, then re-sends
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_escalation_per_reason",
            )
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="escalation_list")]  # escalations/ list

    def __str__(self):
        return f"{self.get_level_display()}: {self.get_reason_display()}"

    @property
    def is_open(self):
        return self.closed_at is None

    @property
    def state(self):
        if self.acknowledged_at:
            return EscalationState.ACKNOWLEDGED
        return EscalationState.OPEN if self.closed_at is None else EscalationState.CLOSED

    # The same, as a condition on stored escalations.
    IN_STATE = {
        EscalationState.OPEN: models.Q(closed_at__isnull=True),
        EscalationState.ACKNOWLEDGED: models.Q(acknowledged_at__isnull=False),
        EscalationState.CLOSED: models.Q(closed_at__isnull=False, acknowledged_at__isnull=True),
    }


class EscalationEvent(models.Model):
    """What happened to an escalation, for the clinician: a change of its state, or a red flag
    told again while it was open. What, from, to, why."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    what = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    why = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        # The admin shows it above the event's row, whose time is on the patient's clock.
        return self.what.capitalize()


class Notification(models.Model):
    """The outbox: one row per (escalation, send, channel[, device]), delivered at most once.

    A worker claims a row by setting `claimed_at` where it was null; only the one that
    changed the row sends, so retries and concurrent workers never send twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not needed any more"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="notifications")
    send_number = models.PositiveSmallIntegerField()  # 1 for the first alert, then each re-send
    channel = models.CharField(max_length=10, choices=Channel.choices)
    device = models.ForeignKey("accounts.Device", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField(default=timezone.now)  # quiet hours push this out
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "send_number"], condition=models.Q(channel="email"), name="one_email_per_send"
            ),
            models.UniqueConstraint(
                fields=["escalation", "send_number", "device"],
                condition=models.Q(channel="push"),
                name="one_push_per_device_per_send",
            ),
        ]
        # the outbox sweep: pending rows that are due
        indexes = [models.Index(fields=["status", "not_before"], name="notification_due")]

    def __str__(self):
        return f"{self.channel} #{self.send_number} for {self.escalation}"


class TrendCheck(models.Model):
    """When a user's trend rules must run next: soon after a change, or at their next local midnight."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)  # the sweep's claim: due_at <= now
    evaluated_at = models.DateTimeField(null=True, blank=True)  # a record for people; the counts below decide
    # Each change to the user's episodes counts one, in the change's own transaction: an
    # evaluation that read the log before a change committed knows it by the count, whatever
    # the change's time, and leaves the next evaluation to it. The count has a default in the
    # database: an evaluation's first record, and the code of the release before while a
    # release rolls out, insert checks without it.
    log_version = models.PositiveBigIntegerField(default=0, db_default=0)
    evaluated_log_version = models.PositiveBigIntegerField(null=True, blank=True)  # none: never evaluated

    def __str__(self):
        return f"Trend check for user {self.user_id}"


class SyncHorizon(models.Model):
    """The latest of a user's deletions whose tombstone was purged (SYNC_TOMBSTONE_DAYS): a
    phone whose last sync came before it may still hold that record, and must pull afresh."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    deletions_forgotten_until = models.DateTimeField()

    def __str__(self):
        return f"Sync horizon of user {self.user_id}"


class ReminderSent(models.Model):
    """A daily logging reminder went out for this local date: never twice a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_reminder_per_day")]
