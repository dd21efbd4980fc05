"""Everything stored about a user, as one document (`me/export/`)."""

from accounts.serializers import DeviceSerializer, MeSerializer
from tracking.models import Activity, Episode, Footwear, JournalEntry
from tracking.serializers import ActivitySerializer, EpisodeSerializer, FootwearSerializer, JournalEntrySerializer

SECTIONS = [
    ("footwear", Footwear, FootwearSerializer, "created_at"),
    ("episodes", Episode, EpisodeSerializer, "started_at"),
    ("activities", Activity, ActivitySerializer, "started_at"),
    ("journal", JournalEntry, JournalEntrySerializer, "date"),
]


def export_document(*, user, context):
    document = {"account": MeSerializer(user).data}
    for name, model, serializer, ordering in SECTIONS:
        records = model.objects.filter(user=user).order_by(ordering)
        document[name] = serializer(records, many=True, context=context).data
    document["devices"] = DeviceSerializer(user.devices.order_by("created_at"), many=True).data
    return document
