"""Reads over a user's log, done in the database: the rules' windows, and the daily series of insights."""

from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Max, Q

from heeljournal.enums import LEVEL_RANKS, EscalationReason, Side
from tracking.models import Activity, Episode, Escalation, Footwear, JournalEntry
from tracking.trends import RED_FLAG_REASONS, Halves, Window, bounds_of

RED_FLAG_COUNTS = {
    EscalationReason.BOWEL_BLADDER: lambda rules: Q(bowel_bladder_change=True),
    EscalationReason.FOOT_WEAKNESS: lambda rules: Q(foot_weakness=True),
    EscalationReason.SUDDEN_SEVERE: lambda rules: Q(sudden_onset=True, severity__gte=rules.sudden_severe_min_severity),
}


def raising_a_red_flag(rules):
    """The condition on episodes that raise any red flag (RED_FLAG_COUNTS' conditions joined)."""
    return reduce(or_, (raised(rules) for raised in RED_FLAG_COUNTS.values()))


def rule_windows(*, user_ids, today, rules):
    """{user_id: Window} on `today`, for users who share that local date, in one statement.

    A user is left out when nothing is logged from the rules' first day on (a later date
    included): time alone cannot change what the rules find for them.

    The database sums each day's figures over each window, so a sweep reads one row a user:
    read as a row a day (170,000 at 10,000 users), building and summing them in Python was
    a third of a nightly sweep's CPU time (bench/README.md).
    """
    bounds, flags = bounds_of(today, rules), RED_FLAG_REASONS
    days = (
        Episode.objects.filter(user_id__any=user_ids, local_date__gte=bounds.horizon)
        .values("user_id", "local_date")
        # Episodes are counted by local_date, not id: every column read is in the index
        # episode_day_figures, so PostgreSQL answers from the index alone (a third of the time
        # of reading the rows). Django allows no filter on count(*).
        .annotate(
            episodes=Count("local_date"),
            daily_severity=Max("severity"),
            daily_pain=Max("pain"),
            both_sides=Count("local_date", filter=Q(side=Side.BOTH)),
            radiating=Count("local_date", filter=Q(radiates_from_back=True)),
            **{f"flag_{reason}": Count("local_date", filter=RED_FLAG_COUNTS[reason](rules)) for reason in flags},
        )
        .order_by()
    )
    days_sql, days_params = days.query.sql_with_params()
    persistent_days = [bounds.persistent_from + timedelta(days=n) for n in range(rules.persistent_window_days)]
    # A bit for each day of the persistent window: its logged dates come back as one number.
    bits = " ".join(f"WHEN %s THEN {1 << n}" for n in range(len(persistent_days)))
    earlier, recent = "local_date >= %s AND local_date < %s", "local_date >= %s AND local_date <= %s"
    pattern, told = "local_date >= %s AND local_date <= %s", "local_date <= %s AND flag_{} > 0"
    sql = f"""
        SELECT user_id, CAST(sum(CASE local_date {bits} ELSE 0 END) AS bigint),
            count(*) FILTER (WHERE {earlier}), CAST(sum(daily_severity) FILTER (WHERE {earlier}) AS integer),
            count(*) FILTER (WHERE {recent}), CAST(sum(daily_severity) FILTER (WHERE {recent}) AS integer),
            count(daily_pain) FILTER (WHERE {earlier}), CAST(sum(daily_pain) FILTER (WHERE {earlier}) AS integer),
            count(daily_pain) FILTER (WHERE {recent}), CAST(sum(daily_pain) FILTER (WHERE {recent}) AS integer),
            CAST(sum(episodes) FILTER (WHERE {pattern}) AS integer),
            CAST(sum(both_sides) FILTER (WHERE {pattern}) AS integer),
            CAST(sum(radiating) FILTER (WHERE {pattern}) AS integer),
            {", ".join(f"max(local_date) FILTER (WHERE {told.format(reason)})" for reason in flags)}
        FROM ({days_sql}) AS days GROUP BY user_id
    """
    halves = [bounds.worsening_from, bounds.recent_from] * 2 + [bounds.recent_from, today] * 2  # a count, a sum
    params = [
        *persistent_days,
        *halves * 2,  # daily severity, daily pain
        *[bounds.pattern_from, today] * 3,
        *[today] * len(flags),
    ]
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [*map(adapt, params), *days_params])
        rows = cursor.fetchall()
    as_date = Episode._meta.get_field("local_date").to_python  # SQLite gives the max of dates as text
    windows, dates_of = {}, {}  # {bits: logged dates}: users share a few patterns of days
    for user_id, logged_bits, *sums in rows:
        if (logged_dates := dates_of.get(logged_bits)) is None:
            logged_dates = dates_of[logged_bits] = tuple(
                day for n, day in enumerate(persistent_days) if logged_bits >> n & 1
            )
        severity, pain, (episodes, both_sides, radiating), last_told = sums[:4], sums[4:8], sums[8:11], sums[11:]
        windows[user_id] = Window(
            logged_dates=logged_dates,
            severity=Halves(*(figure or 0 for figure in severity)),
            pain=Halves(*(figure or 0 for figure in pain)),
            episodes=episodes or 0,
            both_sides=both_sides or 0,
            radiating=radiating or 0,
            red_flag_days=tuple((reason, as_date(day)) for reason, day in zip(flags, last_told, strict=True) if day),
        )
    return windows


def daily_figures(*, user, first, last):
    """One entry per local date from `first` to `last`, days without episodes included."""
    rows = {
        row["local_date"]: row
        for row in Episode.objects.filter(user=user, local_date__range=(first, last))
        .values("local_date")
        .annotate(
            episodes=Count("id"), max_severity=Max("severity"), mean_severity=Avg("severity"), max_pain=Max("pain")
        )
        .order_by()
    }
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        row = rows.get(day, {})
        mean = row.get("mean_severity")
        days.append(
            {
                "date": day,
                "episodes": row.get("episodes", 0),
                "max_severity": row.get("max_severity"),
                "mean_severity": None if mean is None else round(float(mean), 2),
                "max_pain": row.get("max_pain"),
            }
        )
    return days


def _compare(severity_by_day, days_with, min_days):
    """Mean daily severity on the days with a thing and on the tracked days without it."""
    with_ = [severity_by_day[day] for day in days_with if day in severity_by_day]
    without = [value for day, value in severity_by_day.items() if day not in days_with]
    if len(with_) < min_days or len(without) < min_days:
        return None
    mean_with, mean_without = sum(with_) / len(with_), sum(without) / len(without)
    return {
        "days_with": len(with_),
        "days_without": len(without),
        "mean_severity_with": round(mean_with, 2),
        "mean_severity_without": round(mean_without, 2),
        "difference": round(mean_with - mean_without, 2),
    }


def worse_day_context(*, user, first, last, min_days):
    """Which footwear and activities go with worse days.

    A tracked day is one with any record; its severity is the day's highest, 0 when no
    episode was logged. A thing is compared only with `min_days` days with and without it.
    """
    window = {"user": user, "local_date__range": (first, last)}
    severity_by_day = {day: 0 for day in Activity.objects.filter(**window).values_list("local_date", flat=True)}
    severity_by_day |= {
        day: 0
        for day in JournalEntry.objects.filter(user=user, date__range=(first, last)).values_list("date", flat=True)
    }
    severity_by_day |= dict(
        Episode.objects.filter(**window)
        .values("local_date")
        .annotate(daily=Max("severity"))
        .values_list("local_date", "daily")
    )
    footwear_days, activity_days = {}, {}
    for model in (Episode, Activity):
        for footwear_id, day in model.objects.filter(**window, footwear__isnull=False).values_list(
            "footwear_id", "local_date"
        ):
            footwear_days.setdefault(footwear_id, set()).add(day)
    for kind, day in Activity.objects.filter(**window).values_list("kind", "local_date"):
        activity_days.setdefault(kind, set()).add(day)
    names = dict(Footwear.with_tombstones.filter(pk__in=footwear_days).values_list("id", "name"))
    footwear = [
        {"footwear": footwear_id, "name": names[footwear_id], **figures}
        for footwear_id, days in footwear_days.items()
        if (figures := _compare(severity_by_day, days, min_days))
    ]
    activities = [
        {"kind": kind, **figures}
        for kind, days in activity_days.items()
        if (figures := _compare(severity_by_day, days, min_days))
    ]
    return _worst_first(footwear), _worst_first(activities)


def _worst_first(items):
    return sorted(items, key=lambda item: item["difference"], reverse=True)


def insights_of(*, user, days):
    """The user's last `days` days (insights/): each day's figures, what goes with worse days,
    and the most pressing open alert."""
    last = user.today()
    first = last - timedelta(days=days - 1)
    footwear, activities = worse_day_context(user=user, first=first, last=last, min_days=settings.INSIGHT_MIN_DAYS)
    return {
        "days": daily_figures(user=user, first=first, last=last),
        "footwear": footwear,
        "activities": activities,
        "status": alert_status(user=user),
    }


def alert_status(*, user):
    """The most pressing open escalation's level, or "ok"."""
    levels = set(Escalation.objects.filter(user=user, closed_at__isnull=True).values_list("level", flat=True))
    return max(levels, key=LEVEL_RANKS.get, default="ok")
