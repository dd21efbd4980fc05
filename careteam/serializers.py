from rest_framework import serializers

from careteam.models import AccessLog, CareInvite, CareLink


class InviteSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True, help_text="Give this to your clinician. It works once, until expires_at."
    )
    expires_at = serializers.DateTimeField(read_only=True)


class PendingInviteSerializer(serializers.ModelSerializer):
    """A code not used yet; the code itself is not stored, so not shown again."""

    class Meta:
        model = CareInvite
        fields = ("created_at", "expires_at")


class CareTeamMemberSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True, help_text="Remove this clinician with DELETE care-team/{id}/")
    email = serializers.EmailField(source="clinician.email", read_only=True)
    since = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = CareLink
        fields = ("id", "email", "since")


class CareTeamHistorySerializer(CareTeamMemberSerializer):
    """A link as the patient's export keeps it: ended ones too, and when they ended."""

    until = serializers.DateTimeField(source="revoked_at", read_only=True, allow_null=True)

    class Meta(CareTeamMemberSerializer.Meta):
        fields = (*CareTeamMemberSerializer.Meta.fields, "until")


class InviteHistorySerializer(serializers.ModelSerializer):
    redeemed_by = serializers.EmailField(source="redeemed_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = CareInvite
        fields = ("created_at", "expires_at", "redeemed_at", "redeemed_by", "withdrawn_at")


class AccessLogSerializer(serializers.ModelSerializer):
    who = serializers.EmailField(source="viewer_email", read_only=True)
    what = serializers.CharField(read_only=True, help_text="Which page or file of your journal they opened")
    at = serializers.DateTimeField(read_only=True)
    address = serializers.IPAddressField(read_only=True, allow_null=True, help_text="The address they looked from")

    class Meta:
        model = AccessLog
        fields = ("id", "who", "what", "at", "address")
