from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from heeljournal.enums import ActivityKind, HeelLocation, ReliefMeasure, Sensation
from heeljournal.serializers import ModelSerializer
from tracking.models import Activity, Episode, Escalation, Footwear, JournalEntry


class AwareDateTimeField(serializers.DateTimeField):
    """A time with its UTC offset: a bare local time would be read in the wrong zone."""

    default_error_messages = {
        "naive": "Include the UTC offset, e.g. 2026-11-24T07:30:00+01:00.",
        "impossible": "No such date and time: check the day of the month, the hour (00 to 23) and the offset from UTC.",
    }

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:  # in the right format, but February 30th, 24:00 or a leap second
            self.fail("impossible")
        if parsed is not None and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)


class StartedAtField(AwareDateTimeField):
    """When something began: not in the future (beyond a clock's drift), nor before
    EARLIEST_START_YEAR (a date picker's slip; year 1 would not even fit every time zone)."""

    default_error_messages = {
        "future": "This time is in the future.",
        "past": "This time is too far in the past: it must be in {year} or later.",
    }

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if moment > timezone.now() + timedelta(seconds=settings.FUTURE_ALLOWANCE_SECONDS):
            self.fail("future")
        if moment.year < settings.EARLIEST_START_YEAR:
            self.fail("past", year=settings.EARLIEST_START_YEAR)
        return moment


class ChoiceListField(serializers.ListField):
    """A list of enum values, kept once each in the enum's order."""

    def __init__(self, choices, **kwargs):
        self.ordered = [value for value, _label in choices]
        if kwargs.get("allow_empty") is False:
            kwargs.setdefault("min_length", 1)  # so the OpenAPI document says non-empty too
        super().__init__(child=serializers.ChoiceField(choices=choices), max_length=len(choices) * 2, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:  # before duplicates collapse
            self.fail("max_length", max_length=self.max_length)
        chosen = set(super().to_internal_value(data))
        return [value for value in self.ordered if value in chosen]


class EscalationSerializer(ModelSerializer):
    guidance = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Guidance article slugs")
    evidence = serializers.DictField(read_only=True, help_text="The days and figures behind the decision")

    class Meta:
        model = Escalation
        # closed_at, beyond the contract, tells the app an escalation has ended.
        fields = ("id", "level", "reason", "title", "message", "guidance", "evidence", "created_at", "acknowledged_at")
        fields += ("closed_at",)
        read_only_fields = fields
        extra_kwargs = {"closed_at": {"help_text": "When it ended: acknowledged, superseded, or no longer holding"}}


class IdField(serializers.UUIDField):
    """A record's id, as text: DRF would also take the number 123 as the id 00000000-…-00000000007b."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class OwnFootwearField(serializers.PrimaryKeyRelatedField):
    """A footwear id of the user's own, deleted ones included; anyone else's reads as unknown.

    A deleted shoe is still a fact of the episodes worn in it: an episode logged offline while
    another phone deleted the shoe, or an edit that sends the episode whole, must still save."""

    def get_queryset(self):
        return Footwear.with_tombstones.filter(user=self.context["request"].user)

    def to_internal_value(self, data):
        if not isinstance(data, str):  # an id is text (IdField)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class RecordSerializer(ModelSerializer):
    """A synced record: the phone may choose `id` on create; a deleted one is a tombstone."""

    id = IdField(required=False)

    class Meta:
        fields = ("id", "created_at", "updated_at")
        read_only_fields = ("created_at", "updated_at")

    def to_representation(self, instance):
        if instance.deleted_at is not None:
            updated_at = self.fields["updated_at"].to_representation(instance.updated_at)
            return {"id": str(instance.id), "deleted": True, "updated_at": updated_at}
        return super().to_representation(instance)

    @classmethod
    def answers_from(cls, rows):
        columns = cls.list_columns()
        deleted_at, record_id, updated_at = (columns.index(name) for name in ("deleted_at", "id", "updated_at"))
        live = iter(super().answers_from([row for row in rows if row[deleted_at] is None]))
        return [
            next(live)
            if row[deleted_at] is None
            else {"id": row[record_id], "deleted": True, "updated_at": row[updated_at]}
            for row in rows
        ]


@extend_schema_field({"type": "boolean", "enum": [True]})
class AlwaysTrueField(serializers.BooleanField):
    """In the OpenAPI document, the one value a tombstone's `deleted` has: a client tells it apart by it."""


class DeletedRecordSerializer(serializers.Serializer):
    """A record deleted since a sync's `updated_since`, as RecordSerializer answers it (a tombstone)."""

    id = serializers.UUIDField()
    deleted = AlwaysTrueField(help_text="The phone forgets this record")
    updated_at = serializers.DateTimeField(help_text="When it was deleted")


class FootwearSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Footwear
        fields = RecordSerializer.Meta.fields + (
            "name",
            "kind",
            "arch_support",
            "cushioning",
            "orthotic_insert",
            "retired",
        )
        extra_kwargs = {"name": {"min_length": 1, "max_length": 100}}


class EpisodeSerializer(RecordSerializer):
    started_at = StartedAtField()
    locations = ChoiceListField(HeelLocation.choices, allow_empty=False)
    sensations = ChoiceListField(Sensation.choices, allow_empty=False)
    footwear = OwnFootwearField(allow_null=True, required=False)
    escalation = EscalationSerializer(read_only=True, allow_null=True)

    class Meta(RecordSerializer.Meta):
        model = Episode
        fields = RecordSerializer.Meta.fields + (
            "started_at",
            "duration_minutes",
            "side",
            "locations",
            "sensations",
            "severity",
            "pain",
            "radiates_from_back",
            "sudden_onset",
            "foot_weakness",
            "bowel_bladder_change",
            "footwear",
            "notes",
            "escalation",
        )


class ActivitySerializer(RecordSerializer):
    started_at = StartedAtField()
    footwear = OwnFootwearField(allow_null=True, required=False)

    class Meta(RecordSerializer.Meta):
        model = Activity
        fields = RecordSerializer.Meta.fields + ("started_at", "duration_minutes", "kind", "footwear", "notes")


class JournalEntrySerializer(RecordSerializer):
    id = serializers.UUIDField(read_only=True)
    relief_measures = ChoiceListField(ReliefMeasure.choices, required=False)

    class Meta(RecordSerializer.Meta):
        model = JournalEntry
        fields = RecordSerializer.Meta.fields + ("date", "overall", "relief_measures", "notes")
        read_only_fields = RecordSerializer.Meta.read_only_fields + ("date",)


class InsightsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=7, max_value=365, default=30, help_text="How many days back")


class InsightDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    episodes = serializers.IntegerField()
    max_severity = serializers.IntegerField(allow_null=True)
    mean_severity = serializers.FloatField(allow_null=True)
    max_pain = serializers.IntegerField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    days_with = serializers.IntegerField()
    days_without = serializers.IntegerField()
    mean_severity_with = serializers.FloatField()
    mean_severity_without = serializers.FloatField()
    difference = serializers.FloatField(help_text="Mean daily severity with, minus without")


class FootwearComparisonSerializer(ComparisonSerializer):
    footwear = serializers.UUIDField()
    name = serializers.CharField()


class ActivityComparisonSerializer(ComparisonSerializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)


class InsightsSerializer(serializers.Serializer):
    days = InsightDaySerializer(many=True)
    footwear = FootwearComparisonSerializer(many=True)
    activities = ActivityComparisonSerializer(many=True)
    status = serializers.CharField(help_text='The most pressing open escalation level, or "ok"')
