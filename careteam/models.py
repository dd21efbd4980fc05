"""Who may read a patient's journal, how they got there, and every time they looked."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from heeljournal.dates import time_words


class CareInvite(models.Model):
    """A one-time code a patient gives a clinician. Only the code's digest is stored."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_invites")
    digest = models.CharField(max_length=64, unique=True)  # looked up when a clinician redeems a code
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)  # by the patient, before anyone used it

    class Meta:
        permissions = [("redeem_invite", "Can redeem a patient's invite code")]

    def __str__(self):
        return f"Invite from {self.patient} until {time_words(self.expires_at)}"


class CareLink(models.Model):
    """A clinician may read a patient's journal while this link is not revoked."""

    # The patient revokes by this id: not guessable, and it does not count anyone's links.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_links")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_links")
    invite = models.ForeignKey(CareInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Also the index behind care-team/ (by patient); the clinician's FK index serves the admin's scoping.
            models.UniqueConstraint(
                fields=["patient", "clinician"], condition=Q(revoked_at__isnull=True), name="one_live_link_per_pair"
            )
        ]

    def __str__(self):
        return f"{self.clinician} reads {self.patient}"


class AccessLog(models.Model):
    """Someone other than the patient looked at the patient's records: who, what, when, from where."""

    # No index of the patient alone (access_log_list starts with them): given one, PostgreSQL read a
    # page of a much-looked-at patient's log by it, all of it then sorted (tracking.UserRecord.user).
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewer_email = models.EmailField()  # still says who once the viewer's account is gone
    what = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"], name="access_log_list")]  # care-team/access-log/

    def __str__(self):
        return f"{self.viewer_email} saw {self.what} at {time_words(self.at)}"


class Patient(User):
    """A user as a clinician meets them in the admin: the list of patients and their pages."""

    class Meta:
        proxy = True
