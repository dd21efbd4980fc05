"""When and for whom the trend rules run, and running them for a batch of users.

Each user has a TrendCheck row whose `due_at` says when their rules must run next: a few
seconds after their episodes change (debounced), or at their next local midnight, when
the windows move. The per-user task and the periodic sweep both run users that are due,
so a lost task or a broker outage only delays an evaluation until the next sweep.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from heeljournal.bulk import rows_execute, rows_insert
from tracking.escalations import escalations_alert, rest_began, trends_apply
from tracking.models import Episode, Escalation, TrendCheck
from tracking.notifications import enqueue_on_commit
from tracking.schedule import next_local_midnight
from tracking.selectors import rule_windows
from tracking.trends import Rules, Window


def trend_check_schedule(*, user, now=None):
    """Ask for an evaluation a few seconds after a change: one task per burst of changes.

    One statement: make the user due soon unless they already are, and learn whether
    this call did it (then it queues the task).
    """
    with connection.cursor() as cursor:
        cursor.execute(SCHEDULE_SQL, [user.pk, *schedule_times(now or timezone.now())])
        if cursor.fetchone() is not None:
            trend_check_queue(user_id=user.pk)


def schedule_times(now):
    """The due time a change sets, and now (schedule_sql's last value)."""
    adapt = connection.ops.adapt_datetimefield_value
    return adapt(now + timedelta(seconds=settings.TREND_DEBOUNCE_SECONDS)), adapt(now)


def trend_check_queue(*, user_id):
    """The evaluation task of a user just made due, queued once the change commits."""
    from tracking.tasks import evaluate_user_trends

    enqueue_on_commit(evaluate_user_trends, user_id, countdown=settings.TREND_DEBOUNCE_SECONDS)


def schedule_sql(rows):
    """The statement that makes users due: for `rows` of (user_id, due_at, evaluated_at), a
    VALUES or a SELECT, it inserts a user's due time, or moves it there unless they are due
    sooner already, and returns the users it moved. Its values: the rows' own, then now
    (schedule_times gives a change's due time, then now)."""
    table = TrendCheck._meta.db_table
    return f"""
        INSERT INTO {table} (user_id, due_at, evaluated_at) {rows}
        ON CONFLICT (user_id) DO UPDATE SET due_at = excluded.due_at
        WHERE {table}.due_at IS NULL OR {table}.due_at <= %s OR {table}.due_at > excluded.due_at
        RETURNING user_id
    """


SCHEDULE_SQL = schedule_sql("VALUES (%s, %s, NULL)")


@transaction.atomic
def due_user_ids(*, now, limit):
    """Claim up to `limit` due users: their due time moves out by a lease, so that a second
    sweep running at the same time takes others. It skips the rows another is claiming: read
    before that claim commits, they would be returned to both."""
    if connection.vendor == "postgresql":
        # A claim is a lease: lost in a crash, its users are simply claimed again. Its commit
        # need not wait for the disk (a tenth of a nightly sweep did).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    due = TrendCheck.objects.select_for_update(skip_locked=True).filter(due_at__lte=now).order_by("due_at")
    ids = list(due.values_list("user_id", flat=True)[:limit])
    TrendCheck.objects.filter(user_id__any=ids).update(due_at=now + _claim_lease())
    return ids


def user_claim(*, user_id, now):
    """Take one user's due evaluation (a debounced task); False if it is not due or taken."""
    slack = timedelta(seconds=1)  # a countdown may fire a moment early
    return bool(TrendCheck.objects.filter(user_id=user_id, due_at__lte=now + slack).update(due_at=now + _claim_lease()))


def _claim_lease():
    """A claimed user is due again after this, should the worker die mid-evaluation."""
    return timedelta(seconds=settings.TREND_CLAIM_LEASE_SECONDS)


NOTHING_LOGGED = Window()


def users_evaluate(*, user_ids, now=None, rules=None):
    """Run the trend rules for these users with a few aggregate reads.

    Returns {email: [changes]} for the users whose escalations changed.
    """
    now = now or timezone.now()
    rules = rules or Rules.from_settings()
    users = list(User.objects.filter(pk__any=user_ids, is_active=True))
    if not users:
        return {}
    todays = {user.pk: user.local_date(now) for user in users}
    as_read = _checks_read(list(todays))  # before the log: what changes after, the record keeps
    windows = {}
    for today in set(todays.values()):  # a few: a batch's users live in a few zones' dates at most
        sharing = [user_id for user_id, their_today in todays.items() if their_today == today]
        windows |= rule_windows(user_ids=sharing, today=today, rules=rules)
    escalations = _escalations_by_user({user.pk: user for user in users}, now)
    # One transaction for the batch: an escalation superseded by a higher level closes with its
    # successor's opening, and a batch cut short leaves nothing half-done (its users come due
    # again when their claim's lease ends). Alerts leave once it commits.
    with transaction.atomic():
        report, refreshed, held, opening, resending, checks = {}, [], [], [], [], []
        for user in users:
            window, read = windows.get(user.pk), as_read.get(user.pk)
            applied = trends_apply(
                user=user,
                window=window or NOTHING_LOGGED,
                today=todays[user.pk],
                now=now,
                escalations=escalations.get(user.pk, []),
                rules=rules,
                log_changed=read is None or read.log_changed,
            )
            refreshed += applied.refreshed
            held += applied.held
            opening += applied.opening
            resending += applied.resending
            if applied.changes:
                report[user.email] = applied.changes
            active = window is not None or any(e.closed_at is None for e in escalations.get(user.pk, []))
            # Nothing logged lately and nothing open: nothing can change until the user logs again.
            due_at = next_local_midnight(now, zone=user.zone) if active else None
            checks.append((user.pk, due_at, read))
        opened, resent = escalations_alert(opening=opening, resending=resending, now=now)
        for escalation in opened:
            report.setdefault(escalation.user.email, []).append(f"opened {escalation.reason} ({escalation.level})")
        for escalation in resent:
            report.setdefault(escalation.user.email, []).append(f"re-sent {escalation.reason}")
        _escalations_save(refreshed, now)
        _held_save(held, now)
        _checks_save(checks, now)
    return report


# What a refresh changes in an open escalation (escalations.escalation_refresh).
REFRESHED_FIELDS = ("title", "message", "evidence", "last_held_on")


def _escalations_save(escalations, now):
    """Save refreshed escalations in one UPDATE ... FROM their rows.

    bulk_update's CASE WHEN per row and field was half of a nightly sweep: slow to build in
    Python, and the database tests every row against every WHEN.
    """
    meta, quote = Escalation._meta, connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(name) for name in REFRESHED_FIELDS)]
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(field.column)} = v.column{n}" for n, field in enumerate(fields[1:], start=2))
    rows_execute(
        f"UPDATE {table} SET {assignments}, {quote(meta.get_field('updated_at').column)} = %s"
        f" FROM ({{rows}}) AS v WHERE {table}.{quote(meta.pk.column)} = v.column1",
        [[getattr(escalation, field.attname) for field in fields] for escalation in escalations],
        fields=fields,
        params=[connection.ops.adapt_datetimefield_value(now)],
    )
    for escalation in escalations:
        escalation.updated_at = now


def _held_save(escalations, now):
    """Save the later days their rules held on, with an UPDATE for each such day (a batch's
    users share a few local dates at most). A later day another writer set (a red flag told
    meanwhile) stays."""
    by_day = {}
    for escalation in escalations:
        by_day.setdefault(escalation.last_held_on, []).append(escalation.pk)
        escalation.updated_at = now
    for day, ids in by_day.items():
        Escalation.objects.filter(pk__any=ids).update(last_held_on=Greatest("last_held_on", Value(day)), updated_at=now)


class CheckAsRead(NamedTuple):
    """A user's TrendCheck as an evaluation starts."""

    due_at: datetime | None
    log_changed: bool  # episodes changed since the last evaluation, or there was none


def _checks_read(user_ids):
    """{user id: CheckAsRead} of the users who have a check: each one's due time, which the evaluation's record replaces
    only if nothing moved it meanwhile (_checks_save), and whether their episodes changed
    since their last evaluation (none: never evaluated, or seen afresh after a time-zone change)."""
    since = Episode.with_tombstones.filter(user_id=OuterRef("user_id"), updated_at__gt=OuterRef("evaluated_at"))
    rows = (
        TrendCheck.objects.filter(user_id__any=user_ids)
        .annotate(changed=Exists(since))
        .values_list("user_id", "due_at", "evaluated_at", "changed")
    )
    return {
        user_id: CheckAsRead(due_at, evaluated_at is None or changed) for user_id, due_at, evaluated_at, changed in rows
    }


# What the sweep never reads of an escalation it keeps: a refresh writes them anew.
FIGURES_AND_WORDS = ("title", "message", "guidance", "evidence")


def _escalations_by_user(users, now):
    """{user id: escalations}: the open ones and those still resting after an acknowledgement,
    each holding its user already read (a re-send's alerts read it)."""
    found = {}
    for escalation in (
        Escalation.objects.filter(user_id__any=list(users))
        .filter(Q(closed_at__isnull=True) | Q(acknowledged_at__gt=rest_began(now)))
        .defer(*FIGURES_AND_WORDS)
    ):
        escalation.user = users[escalation.user_id]
        found.setdefault(escalation.user_id, []).append(escalation)
    return found


def _checks_save(checks, now):
    """Record the evaluations, [(user id, next due time, CheckAsRead or None)], in two statements.

    A user whose due time moved since the evaluation read it (a change logged meanwhile, whose
    episode the evaluation may not have seen: it commits after the read, though its time may be
    earlier) keeps that due time and their last evaluation: the change's own evaluation follows,
    and finds the log changed. Compared as written, not by the clock: no margin of time to guess.
    """
    field = TrendCheck._meta.get_field
    rows_execute(
        CHECKS_UPDATE_SQL,
        [(user_id, due_at, read.due_at) for user_id, due_at, read in checks if read],
        fields=[field("user"), field("due_at"), field("due_at")],
        params=[connection.ops.adapt_datetimefield_value(now)],
    )
    rows_insert(  # the users with no check yet; one a change made meanwhile stays
        [field("user"), field("due_at"), field("evaluated_at")],
        [(user_id, due_at, now) for user_id, due_at, read in checks if read is None],
        on_conflict="ON CONFLICT (user_id) DO NOTHING",
    )
    # A change made while the user was due within seconds leaves the due time as it was read:
    # one timed after this evaluation still makes its user due now.
    user_ids = [user_id for user_id, *_ in checks]
    late = set(
        Episode.with_tombstones.filter(user_id__any=user_ids, updated_at__gt=now).values_list("user_id", flat=True)
    )
    if late:
        TrendCheck.objects.filter(user_id__in=late).update(due_at=timezone.now())


_TABLE = TrendCheck._meta.db_table
CHECKS_UPDATE_SQL = f"""
    UPDATE {_TABLE} SET evaluated_at = %s, due_at = v.column2 FROM ({{rows}}) AS v
    WHERE {_TABLE}.user_id = v.column1
    AND ({_TABLE}.due_at = v.column3 OR ({_TABLE}.due_at IS NULL AND v.column3 IS NULL))
"""
