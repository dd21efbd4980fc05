from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from heeljournal.api import ImpossibleTime, NewestFirstPagination, utc_time
from heeljournal.pages import KeysetPagination, PageQuery
from tracking import escalations, records, selectors
from tracking.exports import export_document
from tracking.models import Activity, Episode, Escalation, Footwear, JournalEntry
from tracking.serializers import (
    ActivitySerializer,
    AwareDateTimeField,
    DeletedRecordSerializer,
    EpisodeSerializer,
    EscalationSerializer,
    FootwearSerializer,
    InsightsQuerySerializer,
    InsightsSerializer,
    JournalEntrySerializer,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This id belongs to a different record."
    default_code = "conflict"


# A phone that has not synced since deletions the server no longer keeps.
SYNC_TOO_OLD = (
    f"Deletions are kept {settings.SYNC_TOMBSTONE_DAYS} days, and this phone last synced before some that are "
    "no longer kept: download the list afresh, without updated_since, keep only what it holds, and sync on "
    "from the time of that download (the Date of its answer)."
)

UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Changes since this time, oldest first, deletions included as tombstones. The answer "
    "also holds the changes of a short while before it (SYNC_OVERLAP_SECONDS, a minute unless set), "
    "which may have been saved after a later one: apply each record by its id. A time before deletions "
    "the server no longer keeps (SYNC_TOMBSTONE_DAYS, 90 days unless set) is a 400: pull the whole list.",
)


def query_date(request, name):
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise exceptions.ValidationError({name: ["Use a date as YYYY-MM-DD."]})
    return parsed


def record_create_answers(serializer):
    """The answers of a create with a client-chosen id, for the OpenAPI document."""
    return extend_schema(
        responses={
            201: serializer,
            200: OpenApiResponse(serializer, description="A retry of the same create: the stored record"),
            409: OpenApiResponse(description="This id belongs to a different record"),
        }
    )


def record_list_answers(serializer, *parameters):
    """The answers of a record list, for the OpenAPI document: a sync's page also holds the
    records deleted since, as tombstones, so each item is one or the other."""
    either = PolymorphicProxySerializer(
        component_name=f"{serializer.Meta.model.__name__}OrDeleted",
        serializers=[serializer, DeletedRecordSerializer],
        resource_type_field_name=None,
        many=True,
    )
    return extend_schema(parameters=[UPDATED_SINCE, *parameters], responses=either)


class UserRecordViewSet(viewsets.ModelViewSet):
    """A user's own records of one kind; anyone else's do not exist here (404)."""

    model = None
    list_ordering = "-created_at"
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def updated_since(self):
        value = self.request.query_params.get("updated_since")
        if value is None:
            return None
        try:
            return utc_time(value.replace(" ", "+"))  # a '+' in an unencoded query string arrives as a space
        except ImpossibleTime:
            raise exceptions.ValidationError(
                {"updated_since": [AwareDateTimeField.default_error_messages["impossible"]]}
            ) from None
        except ValueError:
            raise exceptions.ValidationError(
                {"updated_since": ["Use a time with its offset, e.g. 2026-11-24T07:30:00Z."]}
            ) from None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(user=self.request.user)

    def list(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()
        since = self.updated_since()  # a sync: every change since, deletions included, oldest first
        order = self.list_ordering if since is None else "updated_at"
        query = PageQuery(self.model, serializer_class.list_columns(), order).where("user", "=", request.user.pk)
        if since is None:
            self.filter_list(query.where("deleted_at", "IS NULL"))
        else:
            self.sync_unnarrowed(request)
            if records.sync_missed_deletions(user=request.user, since=since, now=timezone.now()):
                raise exceptions.ValidationError({"updated_since": [SYNC_TOO_OLD]})
            query.where("updated_at", ">=", records.sync_changed_from(since))
        rows = self.paginator.paginate_rows(query, request)
        return self.paginator.get_paginated_response(serializer_class.answers_from(rows))

    def filter_list(self, query):
        """Conditions of this kind's list beyond the user's live records (`list_filters`)."""

    list_filters = ()  # the query parameters filter_list reads

    def sync_unnarrowed(self, request):
        """A sync takes no filter: a record edited out of its window would stay on the phone as
        it was. Silently ignored, the filter would leave the phone believing it was applied."""
        for name in self.list_filters:
            if name in request.query_params:
                raise exceptions.ValidationError({name: ["A sync (updated_since) takes every change: leave this out."]})

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        record_id = data.pop("id", None)
        try:
            record, created = self.record_create(record_id=record_id, data=data)
        except records.RecordConflict as conflict:
            raise Conflict(conflict.detail) from None
        serializer.instance = record  # the serializer that read the body writes the answer
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def record_create(self, *, record_id, data):
        return records.record_create(model=self.model, user=self.request.user, data=data, record_id=record_id)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("id", None)  # a record keeps its id
        try:
            self.record_update(record=serializer.instance, data=data)
        except records.RecordGone:
            raise exceptions.NotFound("This record was deleted meanwhile.") from None

    def record_update(self, *, record, data):
        records.record_update(record=record, data=data)

    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except records.RecordGone:
            raise exceptions.NotFound("This record was deleted meanwhile.") from None

    def perform_destroy(self, instance):
        records.record_delete(record=instance)


@extend_schema_view(create=record_create_answers(FootwearSerializer), list=record_list_answers(FootwearSerializer))
class FootwearViewSet(UserRecordViewSet):
    model = Footwear
    serializer_class = FootwearSerializer


@extend_schema_view(
    list=record_list_answers(
        EpisodeSerializer,
        OpenApiParameter("from", OpenApiTypes.DATE, description="First local date"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date"),
    ),
    create=record_create_answers(EpisodeSerializer),
)
class EpisodeViewSet(UserRecordViewSet):
    model = Episode
    serializer_class = EpisodeSerializer
    list_ordering = "-started_at"
    list_filters = ("from", "to")

    def get_queryset(self):
        return super().get_queryset().select_related("escalation")  # written out with each episode

    def record_create(self, *, record_id, data):
        return records.episode_log(user=self.request.user, data=data, record_id=record_id)

    def record_update(self, *, record, data):
        records.episode_update(episode=record, data=data)

    def perform_destroy(self, instance):
        records.episode_delete(episode=instance)

    def filter_list(self, query):
        first, last = query_date(self.request, "from"), query_date(self.request, "to")
        if first and last and first > last:
            raise exceptions.ValidationError({"to": ["Must not be before 'from'."]})
        if first:
            query.where("local_date", ">=", first)
        if last:
            query.where("local_date", "<=", last)


@extend_schema_view(create=record_create_answers(ActivitySerializer), list=record_list_answers(ActivitySerializer))
class ActivityViewSet(UserRecordViewSet):
    model = Activity
    serializer_class = ActivitySerializer
    list_ordering = "-started_at"


@extend_schema_view(
    update=extend_schema(responses={200: JournalEntrySerializer, 201: JournalEntrySerializer}),
    list=record_list_answers(JournalEntrySerializer),
)
class JournalViewSet(UserRecordViewSet):
    """One entry per local date, addressed by the date; PUT creates or replaces it."""

    model = JournalEntry
    serializer_class = JournalEntrySerializer
    list_ordering = "-date"
    lookup_field = "date"
    lookup_value_regex = r"\d{4}-\d{2}-\d{2}"
    http_method_names = ["get", "put", "delete", "head", "options"]

    def entry_date(self):
        try:
            day = date.fromisoformat(self.kwargs["date"])
        except ValueError:
            raise exceptions.ValidationError({"date": ["Not a calendar date."]}) from None
        if day.year < settings.EARLIEST_START_YEAR:
            raise exceptions.ValidationError(
                {"date": [f"The date must be in {settings.EARLIEST_START_YEAR} or later."]}
            )
        return day

    def get_object(self):
        self.entry_date()
        return super().get_object()

    def update(self, request, *args, **kwargs):
        day = self.entry_date()
        # Only a new entry is refused: one written before a move west may now be "tomorrow".
        if day > request.user.today() and not self.get_queryset().filter(date=day).exists():
            raise exceptions.ValidationError({"date": ["This date is in the future."]})
        if request.stream is None:  # no body at all, as one lost on its way arrives: not a cleared entry
            raise exceptions.ValidationError({"non_field_errors": ["Send the entry as JSON; {} clears it."]})
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry, created = records.journal_entry_put(user=request.user, day=day, data=serializer.validated_data)
        serializer.instance = entry
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ExportView(APIView):
    """Everything stored about the user, as one JSON document."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(export_document(user=request.user, context={"request": request}))


class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's "seek care" alerts, newest first, open and past."""

    serializer_class = EscalationSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Escalation.objects.none()
        return Escalation.objects.filter(user=self.request.user)

    def list(self, request, *args, **kwargs):
        if "updated_since" in request.query_params:  # ignored, it would leave a phone believing it synced
            raise exceptions.ValidationError({"updated_since": ["Alerts have no sync: read the list, newest first."]})
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        escalation = escalations.escalation_acknowledge(escalation=self.get_object(), now=timezone.now())
        return Response(EscalationSerializer(escalation).data)


class InsightsView(APIView):
    """The daily series, and which footwear and activities go with worse days."""

    @extend_schema(
        parameters=[InsightsQuerySerializer],  # its range and default, in the document as in the check
        responses={200: InsightsSerializer},
    )
    def get(self, request):
        query = InsightsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        insights = selectors.insights_of(user=request.user, days=query.validated_data["days"])
        return Response(InsightsSerializer(insights).data)
