"""The one writer of accounts and their devices."""

from django.db import transaction

from accounts.models import Device, User
from tracking.records import local_dates_recompute


def user_register(*, email, password, timezone="UTC"):
    return User.objects.create_user(email=email, password=password, timezone=timezone)


@transaction.atomic
def user_update(*, user, data):
    zone_changed = "timezone" in data and data["timezone"] != user.timezone
    for name, value in data.items():
        setattr(user, name, value)
    user.save()
    if zone_changed:
        local_dates_recompute(user=user)
    return user


def user_erase(*, user):
    """The account and every record of it, tombstones and tokens included."""
    user.delete()


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
