import zoneinfo

from django.contrib.auth import password_validation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Device, User, email_canonical
from heeljournal.serializers import TextField

# "localtime" is the server's own zone and "Factory" a placeholder: neither is where a user lives.
TIME_ZONES = frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}


class EmailAddressField(serializers.EmailField):
    """An address in the form it is stored and looked up in (email_canonical), checked as such:
    that form can be longer than the one typed."""

    def to_internal_value(self, data):
        return email_canonical(super().to_internal_value(data))


class TimeZoneField(TextField):
    default_error_messages = {"unknown": "Unknown time zone; use an IANA name such as Europe/Paris."}

    def to_internal_value(self, data):
        name = super().to_internal_value(data)
        if name not in TIME_ZONES:
            self.fail("unknown")
        return name


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:00)?$", "example": "21:30"})
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time as HH:MM. A phone's "21:30:00" is the same time; "21:30:15" would
    be kept as 21:30 without a word, so it is refused."""

    default_error_messages = {"seconds": "Use HH:MM; a time here has no seconds."}

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)

    def to_internal_value(self, value):
        time = super().to_internal_value(value)
        if time.second or time.microsecond:
            self.fail("seconds")
        return time


EMAIL_TAKEN = "An account with this email already exists."


class RegisterSerializer(serializers.ModelSerializer):
    email = EmailAddressField(max_length=User._meta.get_field("email").max_length)
    password = TextField(write_only=True, max_length=128, style={"input_type": "password"})
    timezone = TimeZoneField(required=False, default="UTC")

    class Meta:
        model = User
        fields = ("id", "email", "password", "timezone")
        read_only_fields = ("id",)

    def validate_email(self, email):
        if User.objects.filter(email=email).exists():
            raise serializers.ValidationError(EMAIL_TAKEN)
        return email

    def validate(self, attrs):
        candidate = User(email=attrs["email"], timezone=attrs.get("timezone", "UTC"))
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except Exception as error:  # Django's ValidationError carries the messages
            raise serializers.ValidationError({"password": list(getattr(error, "messages", [str(error)]))}) from None
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    email = EmailAddressField()
    password = TextField(max_length=128, style={"input_type": "password"})
    device_name = TextField(max_length=100, required=False, default="", allow_blank=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class MeSerializer(serializers.ModelSerializer):
    timezone = TimeZoneField(required=False)
    reminder_time = LocalTimeField(allow_null=True, required=False)
    quiet_hours_start = LocalTimeField(allow_null=True, required=False)
    quiet_hours_end = LocalTimeField(allow_null=True, required=False)

    class Meta:
        model = User
        fields = ("id", "email", *User.PREFERENCE_FIELDS)
        read_only_fields = ("id", "email")

    def validate(self, attrs):
        start = attrs.get("quiet_hours_start", getattr(self.instance, "quiet_hours_start", None))
        end = attrs.get("quiet_hours_end", getattr(self.instance, "quiet_hours_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError({"quiet_hours_end": ["Set both ends of the quiet hours, or neither."]})
        asked = {"quiet_hours_start", "quiet_hours_end"} & attrs.keys()  # stored ones stay changeable
        if asked and start is not None and start == end:
            raise serializers.ValidationError({"quiet_hours_end": ["The quiet hours must end at another time."]})
        return attrs


class DeviceSerializer(serializers.ModelSerializer):
    token = TextField(max_length=512)

    class Meta:
        model = Device
        fields = ("id", "platform", "token", "created_at")
        read_only_fields = ("id", "created_at")
