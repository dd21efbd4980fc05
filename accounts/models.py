import unicodedata
import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone as django_timezone

from heeljournal.enums import Platform


def email_canonical(email):
    """An address as it is stored and looked up: one account to an address, however its
    letters are written (case; full-width and other compatibility forms, which mail servers
    map to the same address)."""
    return unicodedata.normalize("NFKC", email).strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        user = self.model(email=email_canonical(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)

    def get_by_natural_key(self, email):
        """Signing in, the admin's included: the address however it is written."""
        return self.get(email=email_canonical(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person keeping a journal; staff users in the Clinicians group read their patients'."""

    email = models.EmailField(unique=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone name")
    email_alerts = models.BooleanField(default=True)
    push_alerts = models.BooleanField(default=True)
    # Info-level escalations (a pattern worth mentioning to a clinician) wait in the app unless asked for.
    info_alerts = models.BooleanField(default=False, help_text="Also email and push pattern (info) alerts")
    email_deliverable = models.BooleanField(default=True, help_text="Off once the address bounced")
    reminder_time = models.TimeField(null=True, blank=True, help_text="Local time of the daily reminder")
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    # What a person sets for themselves (the account's API and the admin's "Preferences").
    PREFERENCE_FIELDS = (
        "timezone",
        "email_alerts",
        "push_alerts",
        "info_alerts",
        "reminder_time",
        "quiet_hours_start",
        "quiet_hours_end",
    )
    # What the trend rules and an alert read of a person: a sweep reads these and no more.
    ALERT_FIELDS = ("email", "email_deliverable", *PREFERENCE_FIELDS)

    def __str__(self):
        return self.email

    def clean_fields(self, exclude=None):
        # An account the admin adds, as one registered; before the checks: that form can be longer.
        self.email = email_canonical(self.email)
        super().clean_fields(exclude)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def local_date(self, moment):
        """The user's own calendar date at `moment`."""
        return moment.astimezone(self.zone).date()

    def today(self):
        return self.local_date(django_timezone.now())


class AccessToken(models.Model):
    """One per signed-in device. Only the digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    digest = models.CharField(max_length=64, unique=True)  # looked up on every request
    device_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self):
        return f"{self.user} on {self.device_name or 'a device'}"

    @property
    def expiry(self):
        return self.last_used_at + timedelta(days=settings.TOKEN_IDLE_DAYS)


class Device(models.Model):
    """A phone that receives push notifications (iOS through FCM as well)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    token = models.CharField(max_length=512, unique=True)
    active = models.BooleanField(default=True, help_text="Off once the push service rejects the token")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.get_platform_display()} device of {self.user}"
