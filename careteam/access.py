"""The one writer of care-team access: invite codes, patient-clinician links, the access log."""

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from careteam.models import AccessLog, CareInvite, CareLink
from careteam.selectors import invites_pending_of
from heeljournal.dates import day_words

# Read aloud and typed by hand: no 0/O, 1/I/L or U. 16 of 30 symbols is about 78 random bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 16


class InviteNotAccepted(Exception):
    """A code that does not open a patient's journal, with the reason in the clinician's words."""


def invite_code_digest(code):
    """The stored form of a code; spaces, dashes and case do not matter."""
    normalized = re.sub(r"[\s-]", "", code).upper()
    return hashlib.sha256(normalized.encode()).hexdigest()  # 78 random bits: a fast digest is enough


def invite_create(*, patient, now=None):
    """A new one-time code for `patient`. Returns (code, invite); the code is never stored."""
    now = now or timezone.now()
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
    invite = CareInvite.objects.create(
        patient=patient,
        digest=invite_code_digest(code),
        created_at=now,
        expires_at=now + timedelta(days=settings.CARE_INVITE_DAYS),
    )
    return code, invite


def invite_redeem(*, code, clinician, now=None):
    """Link the clinician to the patient who made `code`, using the code up. Returns the live link.

    Raises InviteNotAccepted for an unknown, used or expired code, or a caller who is not a clinician.
    """
    now = now or timezone.now()
    if not (clinician.is_active and clinician.is_staff and clinician.has_perm("careteam.redeem_invite")):
        raise InviteNotAccepted("Only clinicians can redeem invite codes.")
    invite = CareInvite.objects.filter(digest=invite_code_digest(code)).first()
    if invite is None:
        raise InviteNotAccepted(
            "No invite has this code. Check it with your patient: it looks like ABCD-EFGH-JKMN-PQRS."
        )
    if invite.patient_id == clinician.pk:
        raise InviteNotAccepted("This is your own invite code; give it to the clinician who should see your journal.")
    if invite.redeemed_at is not None:
        raise InviteNotAccepted("This code was already used. Ask your patient for a new one.")
    if invite.withdrawn_at is not None:
        raise InviteNotAccepted("Your patient withdrew this code. Ask them for a new one if they wish.")
    if invite.expires_at <= now:
        raise InviteNotAccepted(f"This code expired on {day_words(invite.expires_at)}. Ask your patient for a new one.")
    with transaction.atomic():
        # Only the redeemer that changes the row goes on: a code opens one door, once.
        claimed = CareInvite.objects.filter(
            pk=invite.pk, redeemed_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now
        ).update(redeemed_at=now, redeemed_by=clinician)
        if not claimed:
            raise InviteNotAccepted("This code was already used or withdrawn. Ask your patient for a new one.")
        return _link_open(patient_id=invite.patient_id, clinician=clinician, invite=invite, now=now)


def invites_withdraw(*, patient, now=None):
    """Every code of `patient`'s not used yet stops working now: given to the wrong person, say,
    or no longer wanted. Returns how many."""
    now = now or timezone.now()
    return invites_pending_of(patient=patient, now=now).update(withdrawn_at=now)


def _link_open(*, patient_id, clinician, invite, now):
    live = CareLink.objects.filter(patient_id=patient_id, clinician=clinician, revoked_at__isnull=True)
    link = live.first()
    if link is not None:  # already linked: the code is used up, nothing else changes
        return link
    try:
        with transaction.atomic():
            return CareLink.objects.create(patient_id=patient_id, clinician=clinician, invite=invite, created_at=now)
    except IntegrityError:  # a second code of the same patient, redeemed at the same moment
        return live.get()


def link_revoke(*, link, now=None):
    """The clinician's access ends with this write: every admin page checks for a live link."""
    CareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def access_record(*, viewer, patient_ids, what, address, now=None):
    """One access-log line per patient whose records `viewer` saw. Looking at one's own is not logged."""
    now = now or timezone.now()
    AccessLog.objects.bulk_create(
        AccessLog(
            patient_id=patient_id, viewer=viewer, viewer_email=viewer.email, what=what[:200], at=now, address=address
        )
        for patient_id in sorted(set(patient_ids))
        if patient_id != viewer.pk
    )
