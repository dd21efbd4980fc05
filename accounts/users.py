"""The one writer of accounts and their devices."""

from django.db import IntegrityError, OperationalError, transaction

from accounts.models import Device, User
from tracking.records import local_dates_recompute


class EmailTaken(Exception):
    """Another sign-up with this email got there first (a double tap, a retry)."""


class AccountGone(Exception):
    """The account was erased while this request was on its way."""


def user_register(*, email, password, timezone="UTC"):
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, timezone=timezone)
    except IntegrityError:
        raise EmailTaken from None


@transaction.atomic
def user_update(*, user, data):
    """Change preferences. The account's row is locked first: an erasure on its way either
    waits for this change or has happened, and then this raises AccountGone (a plain save
    would have written the erased account back). The lock lets the user's other requests
    write their records meanwhile (it is not FOR UPDATE, which their checks of the account
    key wait on): with the time-zone change's own writes, they met in deadlocks."""
    current = User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    if current is None:
        raise AccountGone
    zone_changed = "timezone" in data and data["timezone"] != current.timezone
    for name, value in data.items():
        setattr(user, name, value)
    user.save(update_fields=list(data))
    if zone_changed:
        local_dates_recompute(user=user)
    return user


ERASE_ATTEMPTS = 3


def user_erase(*, user):
    """The account and every record of it, tombstones and tokens included.

    The account's row is locked before its records are gathered, so a record another of its
    requests creates meanwhile waits, then is refused (heeljournal.api answers 401). An edit
    already under way locks its record first, and the erasure can then fail on what the edit
    adds, or meet it in a deadlock: it starts again, gathering what was committed meanwhile.
    """
    for attempt in range(1, ERASE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                if User.objects.select_for_update().filter(pk=user.pk).exists():
                    user.delete()
            return
        except (IntegrityError, OperationalError):
            if attempt == ERASE_ATTEMPTS:
                raise


def device_register(*, user, platform, token):
    """Returns (device, created). A token moves to whoever signs in on that phone last."""
    with transaction.atomic():
        device, created = Device.objects.select_for_update().get_or_create(
            token=token, defaults={"user": user, "platform": platform}
        )
        if not created:
            moved = device.user_id != user.pk
            if moved or device.platform != platform or not device.active:
                device.user, device.platform, device.active = user, platform, True
                device.save()
            created = moved
    return device, created


def device_remove(*, device):
    device.delete()
