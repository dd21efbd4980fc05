from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from careteam import access, reports, selectors
from careteam.http import file_download
from careteam.models import AccessLog, CareInvite, CareLink
from careteam.serializers import (
    AccessLogSerializer,
    CareTeamMemberSerializer,
    InviteSerializer,
    PendingInviteSerializer,
)
from heeljournal.api import NewestFirstPagination


class InvitesView(generics.ListAPIView):
    """One-time codes the patient gives a clinician: a new one, those not used yet (newest
    first), and withdrawing those."""

    serializer_class = PendingInviteSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareInvite.objects.none()
        return selectors.invites_pending_of(patient=self.request.user, now=timezone.now())

    @extend_schema(request=None, responses={201: InviteSerializer})
    def post(self, request):
        code, invite = access.invite_create(patient=request.user)
        body = InviteSerializer({"code": code, "expires_at": invite.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        """Every code not used yet stops working at once."""
        access.invites_withdraw(patient=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CareTeamView(generics.ListAPIView):
    """The clinicians who can read this user's journal, newest first."""

    serializer_class = CareTeamMemberSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareLink.objects.none()
        return selectors.care_team_of(patient=self.request.user)


class CareTeamMemberView(generics.DestroyAPIView):
    """Remove a clinician: their access ends at once."""

    serializer_class = CareTeamMemberSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareLink.objects.none()
        return selectors.care_team_of(patient=self.request.user)

    def perform_destroy(self, instance):
        access.link_revoke(link=instance)


class AccessLogPagination(NewestFirstPagination):
    ordering = "-at"


class AccessLogView(generics.ListAPIView):
    """Who looked at this user's journal, what, when and from where; newest first."""

    serializer_class = AccessLogSerializer
    pagination_class = AccessLogPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        return selectors.access_log_of(patient=self.request.user)


class FileDownloadView(APIView):
    """A file of the user's own journal. The file is sent as it is; an error answers JSON
    whatever the Accept header asked (a phone asking for a PDF gets a 401 it can read, not a 406)."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


REPORT_DAYS = OpenApiParameter("days", OpenApiTypes.INT, enum=[30, 90], description="How many days back (90)")


class ReportPdfView(FileDownloadView):
    """The summary a patient brings to a visit: chart, patterns, red flags, escalations."""

    @extend_schema(
        operation_id="me_report_pdf",
        parameters=[REPORT_DAYS],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The summary for a visit")
        },
    )
    def get(self, request):
        days = request.query_params.get("days", "90")
        if days not in ("30", "90"):
            raise exceptions.ValidationError({"days": ["Use 30 or 90."]})
        content = reports.report_pdf(user=request.user, days=int(days))
        return file_download(content, content_type="application/pdf", filename="heeljournal-summary.pdf")


class RecordsCsvView(FileDownloadView):
    """Every record, one row each, with a column saying its kind; safe to open in a spreadsheet."""

    @extend_schema(
        operation_id="me_export_csv",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every record, one row each")},
    )
    def get(self, request):
        content = reports.records_csv(user=request.user)
        return file_download(content, content_type="text/csv; charset=utf-8", filename="heeljournal-records.csv")
