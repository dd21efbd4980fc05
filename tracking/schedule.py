"""Local-time arithmetic for deliveries: quiet hours, midnights, reminders. Pure functions."""

from datetime import UTC, datetime, timedelta


def in_quiet_hours(local_time, start, end):
    """Whether a wall-clock time falls in the quiet hours [start, end), which may span midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def quiet_hours_end(moment, *, zone, start, end):
    """`moment` if it is outside the user's quiet hours, else the instant they end."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return moment
    # Compared as instants: the night clocks go back, the end may come twice (fold 0, then 1);
    # the night they go forward it may not come at all: they end as the clock jumps past it,
    # unless that jump lands back in them (quiet all day but the skipped hour): then a day later.
    days = (local.date() + timedelta(days=n) for n in range(3))
    ends = (datetime.combine(day, end, tzinfo=zone).replace(fold=fold) for day in days for fold in (0, 1))
    instants = (_first_reading(candidate).astimezone(moment.tzinfo) for candidate in ends)
    return min(
        instant
        for instant in instants
        if instant > moment and not in_quiet_hours(instant.astimezone(zone).time(), start, end)
    )


def _exists(local):
    """Whether a wall-clock time happens in its zone (not in the hour skipped in spring)."""
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def _first_reading(local):
    """The instant the zone's clock first reads `local` or later: `local` itself, or, for a time
    in the hour skipped in spring, the instant the clock jumps over it."""
    if _exists(local):
        return local
    wall = local.replace(tzinfo=None)
    # Read with the offset after the jump, it is an instant before the jump; with the one before, after it.
    before, after = (int(local.replace(fold=fold).timestamp()) for fold in (1, 0))
    while after - before > 1:  # a jump falls on a whole second
        middle = (before + after) // 2
        reads = datetime.fromtimestamp(middle, local.tzinfo).replace(tzinfo=None)
        before, after = (before, middle) if reads >= wall else (middle, after)
    return datetime.fromtimestamp(after, UTC)


def next_local_midnight(moment, *, zone):
    """The instant the user's next local date begins (the trend windows move then)."""
    local = moment.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return midnight.astimezone(moment.tzinfo)


def reminder_is_due(moment, *, zone, reminder_time):
    """Whether the user's reminder time has passed on their current local date."""
    return reminder_time is not None and moment.astimezone(zone).time() >= reminder_time
