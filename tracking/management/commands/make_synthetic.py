"""A synthetic population for benchmarks: N users, D days of episodes, the same for a seed.

Users fall into the patterns the trend rules look for (quiet, persistent, worsening,
bilateral, radiating), in several time zones, and every user is due for the trend sweep.
Episodes go in with COPY on PostgreSQL (bulk_create elsewhere): about a million rows a minute.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Device, User
from heeljournal.enums import HeelLocation, Platform, Sensation, Side
from tracking.models import Episode, TrendCheck

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
]


@dataclass(frozen=True)
class Pattern:
    """How one kind of user logs: how often, how much, how bad, where it is felt."""

    name: str
    share: float  # of the population
    logs_a_day: float  # chance that a given day has episodes
    episodes_a_day: tuple  # drawn from, on a logged day
    severity: tuple  # (low, high) in the earlier days
    recent_severity: tuple  # (low, high) in the last 7 days
    both_sides: float  # chance an episode is felt in both feet
    radiating: float  # chance an episode runs down from the back


# About 1.03 episodes per user and day: 600,000 for 10,000 users over 60 days.
PATTERNS = (
    Pattern("quiet", 0.35, 0.30, (1,), (1, 3), (1, 3), 0.05, 0.01),
    Pattern("persistent", 0.25, 0.90, (1, 2, 2, 3, 3), (3, 6), (3, 6), 0.05, 0.02),
    Pattern("worsening", 0.15, 0.70, (1, 1, 2, 2, 2), (2, 4), (5, 8), 0.05, 0.02),
    Pattern("bilateral", 0.15, 0.60, (1, 2, 3), (2, 5), (2, 5), 0.70, 0.02),
    Pattern("radiating", 0.10, 0.60, (1, 1, 2), (3, 6), (3, 6), 0.05, 0.60),
)
LOCATIONS = [
    [HeelLocation.PLANTAR],
    [HeelLocation.MEDIAL],
    [HeelLocation.PLANTAR, HeelLocation.MEDIAL],
    [HeelLocation.WHOLE_HEEL],
]
SENSATIONS = [
    [Sensation.NUMBNESS],
    [Sensation.NUMBNESS, Sensation.TINGLING],
    [Sensation.PINS_AND_NEEDLES],
    [Sensation.BURNING],
]
ONE_SIDE, BOTH_SIDES = (Side.LEFT.value, Side.RIGHT.value), Side.BOTH.value  # plain strings, as COPY writes them
DURATIONS = (5, 10, 15, 30, 60, 120)


class Command(BaseCommand):
    help = "Add a synthetic population (users, episodes, devices, due trend checks) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, required=True)
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, users, days, seed, **options):
        prefix = f"synthetic-{seed}-"
        if User.objects.filter(email__startswith=prefix).exists():
            raise CommandError(f"This database already holds the population of seed {seed}; use another seed.")
        rng, now = random.Random(seed), timezone.now()
        with transaction.atomic():
            people = users_make(rng, count=users, prefix=prefix)
            episodes = 0
            for chunk in _chunks(people, 500):
                rows = [row for user, pattern in chunk for row in episodes_make(rng, user, pattern, days=days, now=now)]
                rows_insert(Episode, rows)
                episodes += len(rows)
            # Half the users have a phone that takes push alerts.
            Device.objects.bulk_create(
                [Device(user=user, platform=Platform.ANDROID, token=f"{prefix}{user.pk}") for user, _ in people[::2]],
                batch_size=2000,
            )
            # Everyone is due, as after a midnight in every time zone at once: the sweep's worst case.
            TrendCheck.objects.bulk_create([TrendCheck(user=user, due_at=now) for user, _ in people], batch_size=2000)
        kinds = {pattern.name: sum(1 for _, p in people if p is pattern) for pattern in PATTERNS}
        self.stdout.write(f"Made {users} users ({kinds}) with {episodes} episodes over {days} days (seed {seed}).")


def users_make(rng, *, count, prefix):
    """The users, with a pattern each; no usable password (nobody signs in as them)."""
    people = [
        User(email=f"{prefix}{number:06d}@example.invalid", timezone=rng.choice(ZONES), password="!")
        for number in range(count)
    ]
    User.objects.bulk_create(people, batch_size=2000)
    if people and people[0].pk is None:  # a database without RETURNING: read the ids back
        ids = dict(User.objects.filter(email__startswith=prefix).values_list("email", "pk"))
        for user in people:
            user.pk = ids[user.email]
    patterns = rng.choices(PATTERNS, weights=[pattern.share for pattern in PATTERNS], k=count)
    return list(zip(people, patterns, strict=True))


def episodes_make(rng, user, pattern, *, days, now):
    """One user's episodes on the `days` local dates before today, as {column: value} rows."""
    draw = rng.random  # a bare uniform draw: randint() and choice() would double the run time

    def pick(options):
        return options[int(draw() * len(options))]

    zone = ZoneInfo(user.timezone)
    today = now.astimezone(zone).date()
    rows = []
    for back in range(1, days + 1):  # the days before today: the same rows whatever the hour
        if draw() >= pattern.logs_a_day:
            continue
        day = today - timedelta(days=back)
        low, high = pattern.recent_severity if back < 7 else pattern.severity
        for _ in range(pick(pattern.episodes_a_day)):
            minute = 6 * 60 + int(draw() * 16 * 60)  # between 06:00 and 22:00 local
            started = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
            severity = low + int(draw() * (high - low + 1))
            logged = min(started + timedelta(minutes=1 + int(draw() * 120)), now)
            rows.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "user_id": user.pk,
                    "created_at": logged,
                    "updated_at": logged,
                    "deleted_at": None,
                    "started_at": started.astimezone(UTC),
                    "local_date": day,
                    "duration_minutes": pick(DURATIONS),
                    "side": BOTH_SIDES if draw() < pattern.both_sides else pick(ONE_SIDE),
                    "locations": pick(LOCATIONS),
                    "sensations": pick(SENSATIONS),
                    "severity": severity,
                    "pain": min(10, max(0, severity - 3 + int(draw() * 5))),
                    "radiates_from_back": draw() < pattern.radiating,
                    "sudden_onset": False,  # red flags are decided in the request, never by the sweep
                    "foot_weakness": False,
                    "bowel_bladder_change": False,
                    "footwear_id": None,
                    "notes": "",
                    "escalation_id": None,
                }
            )
    return rows


def rows_insert(model, rows):
    """COPY on PostgreSQL (ten times bulk_create's speed), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    fields = model._meta.concrete_fields
    as_json = {field.attname for field in fields if isinstance(field, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    names = [field.attname for field in fields]
    dumped = {}  # a few distinct lists, each dumped once

    def value(name, row):
        if name in as_json:
            key = tuple(row[name])
            return dumped.get(key) or dumped.setdefault(key, json.dumps(row[name]))
        return row[name]

    with connection.cursor() as cursor, cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([value(name, row) for name in names])


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]
