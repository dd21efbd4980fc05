"""The signed-in users the API benchmarks act as; prints their bearer tokens as one JSON line.

    python bench/api_users.py <load users> <red-flag users>

Each is made through the project's own actions (register, a phone, a token), like a real
sign-up. A load user has 60 episodes, more than a page, so every list answers a full page
of 50; a red-flag user has nothing open, so their first red flag opens an escalation and
plans its alerts; the trend user starts with an empty log.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.tokens import token_issue  # noqa: E402
from accounts.users import device_register, user_register  # noqa: E402
from tracking.models import Episode  # noqa: E402

EPISODES_EACH = 60


def signed_in(email):
    """A user with one phone that takes push alerts, and that phone's bearer token."""
    user = user_register(email=email, password=None, timezone="Europe/Paris")
    device_register(user=user, platform="android", token=f"push-{email}")
    secret, _token = token_issue(user=user, device_name="bench phone")
    return user, secret


def episodes_for(user, now):
    """Bulk-written history (the API benchmarks measure reads and new writes, not this)."""
    episodes = []
    for number in range(EPISODES_EACH):
        started = now - timedelta(hours=7 * number + 1)
        episodes.append(
            Episode(
                user=user,
                started_at=started,
                local_date=user.local_date(started),
                side="left",
                locations=["plantar"],
                sensations=["numbness"],
                severity=number % 8,
                pain=number % 5,
                duration_minutes=15,
                notes="Long day on my feet.",
            )
        )
    return episodes


def main(load_users, red_flag_users):
    now = timezone.now()
    load = [signed_in(f"load-{number}@bench.invalid") for number in range(load_users)]
    Episode.objects.bulk_create([episode for user, _ in load for episode in episodes_for(user, now)], batch_size=2000)
    red_flag = [signed_in(f"red-flag-{number}@bench.invalid")[1] for number in range(red_flag_users)]
    _user, trend = signed_in("trend@bench.invalid")
    tokens = {"load": [secret for _, secret in load], "red_flag": red_flag, "trend": trend}
    tokens["load_user_ids"] = [user.pk for user, _ in load]  # for the floors (bench/floor_create.py)
    print(json.dumps(tokens | {"debounce_seconds": settings.TREND_DEBOUNCE_SECONDS}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
