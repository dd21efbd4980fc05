"""Everything stored about a user, as one document (`me/export/`)."""

from accounts.serializers import DeviceSerializer, MeSerializer
from careteam.selectors import access_log_of, care_history_of
from careteam.serializers import AccessLogSerializer, CareTeamHistorySerializer, InviteHistorySerializer
from tracking.models import Activity, Episode, EpisodeRevision, Escalation, Footwear, JournalEntry, Notification
from tracking.serializers import (
    ActivitySerializer,
    EpisodeSerializer,
    EscalationSerializer,
    FootwearSerializer,
    JournalEntrySerializer,
)

SECTIONS = [
    ("footwear", Footwear, FootwearSerializer, "created_at"),
    ("episodes", Episode, EpisodeSerializer, "started_at"),
    ("activities", Activity, ActivitySerializer, "started_at"),
    ("journal", JournalEntry, JournalEntrySerializer, "date"),
    ("escalations", Escalation, EscalationSerializer, "created_at"),
]


def export_document(*, user, context):
    document = {"account": MeSerializer(user).data}
    for name, model, serializer, ordering in SECTIONS:
        records = model.objects.filter(user=user).order_by(ordering, "id")
        document[name] = serializer(records, many=True, context=context).data
    edits = EpisodeRevision.objects.filter(episode__user=user).order_by("at", "id")
    document["episode_edits"] = [{"episode": edit.episode_id, "at": edit.at, "changes": edit.changes} for edit in edits]
    alerts = Notification.objects.filter(escalation__user=user).order_by("created_at", "id")
    document["alerts"] = list(alerts.values("escalation", "channel", "status", "created_at", "sent_at"))
    document["devices"] = DeviceSerializer(user.devices.order_by("created_at"), many=True).data
    links, invites = care_history_of(patient=user)
    document["care_team"] = CareTeamHistorySerializer(links, many=True).data
    document["care_team_invites"] = InviteHistorySerializer(invites, many=True).data
    document["journal_access_log"] = AccessLogSerializer(access_log_of(patient=user), many=True).data
    return document
