"""When and for whom the trend rules run, and running them for a batch of users.

Each user has a TrendCheck row whose `due_at` says when their rules must run next: a few
seconds after their episodes change (debounced), or at their next local midnight, when
the windows move. The per-user task and the periodic sweep both run users that are due,
so a lost task or a broker outage only delays an evaluation until the next sweep.
"""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from heeljournal.bulk import objects_read, rows_execute, rows_insert
from tracking.escalations import escalations_alert, rest_began, trends_apply
from tracking.models import Escalation, TrendCheck
from tracking.notifications import enqueue_on_commit
from tracking.schedule import next_local_midnight
from tracking.selectors import rule_windows
from tracking.trends import Rules, Window


def trend_check_schedule(*, user, now=None):
    """Count a change to the user's episodes and ask for an evaluation a few seconds on: one
    task per burst of changes.

    One statement: count the change, make the user due soon unless they already are, and
    learn whether this call did it (then it queues the task).
    """
    due_at, after_rows = schedule_times(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(SCHEDULE_SQL, [user.pk, due_at, *after_rows])
        if cursor.fetchone()[0]:
            trend_check_queue(user_id=user.pk)


def schedule_times(now):
    """The due time a change sets, and the values schedule_sql takes after its rows': now,
    then that due time again."""
    adapt = connection.ops.adapt_datetimefield_value
    due_at = adapt(now + timedelta(seconds=settings.TREND_DEBOUNCE_SECONDS))
    return due_at, (adapt(now), due_at)


def trend_check_queue(*, user_id):
    """The evaluation task of a user just made due, queued once the change commits."""
    from tracking.tasks import evaluate_user_trends

    enqueue_on_commit(evaluate_user_trends, user_id, countdown=settings.TREND_DEBOUNCE_SECONDS)


def schedule_sql(rows):
    """The statement that records a change to users' episodes: for `rows` of (user_id, due_at,
    1), a VALUES or a SELECT, it counts one more change to each user's log, and moves their
    due time to due_at unless they are due sooner already. It returns each user, and whether
    it moved their due time. Its values: the rows' own, then schedule_times' last two."""
    table = TrendCheck._meta.db_table
    return f"""
        INSERT INTO {table} (user_id, due_at, log_version) {rows}
        ON CONFLICT (user_id) DO UPDATE SET log_version = {table}.log_version + 1, due_at = CASE
            WHEN {table}.due_at IS NULL OR {table}.due_at <= %s OR {table}.due_at > excluded.due_at
            THEN excluded.due_at ELSE {table}.due_at END
        RETURNING due_at = %s AS made_due, user_id
    """


SCHEDULE_SQL = schedule_sql("VALUES (%s, %s, 1)")


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


def due_batches(*, now):
    """Claim every due user, a batch of TREND_SWEEP_BATCH_SIZE at a time (a task each)."""
    while ids := due_user_ids(now=now, limit=settings.TREND_SWEEP_BATCH_SIZE):
        yield ids


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
    # The checks first: a change that commits after this read (to the log, or to the user's
    # zone, which dates the log) counts after it, and the record leaves its evaluation to come.
    as_read = _checks_read(user_ids)
    users = list(objects_read(User.objects.filter(pk__any=user_ids, is_active=True), User.ALERT_FIELDS))
    if not users:
        return {}
    of_zone = {user.timezone: user for user in users}  # one user of each zone: a batch's share a few
    today_in = {zone: user.local_date(now) for zone, user in of_zone.items()}
    midnight_in = {zone: next_local_midnight(now, zone=user.zone) for zone, user in of_zone.items()}
    windows = {}
    for today in set(today_in.values()):
        sharing = [user.pk for user in users if today_in[user.timezone] == today]
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
                today=today_in[user.timezone],
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
            due_at = midnight_in[user.timezone] if active else None
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

    log_version: int
    log_changed: bool  # episodes changed since the last evaluation, or there was none


def _checks_read(user_ids):
    """{user id: CheckAsRead} of the users who have a check: the count of changes to their log,
    which the evaluation's record must find unchanged (_checks_save), and whether it moved since
    their last evaluation."""
    rows = TrendCheck.objects.filter(user_id__any=user_ids)
    rows = rows.values_list("user_id", "log_version", "evaluated_log_version")
    return {user_id: CheckAsRead(version, version != evaluated) for user_id, version, evaluated in rows}


# What the sweep never reads of an escalation it keeps: a refresh writes them anew.
FIGURES_AND_WORDS = ("title", "message", "guidance", "evidence")
DECIDED_ON = [field.name for field in Escalation._meta.concrete_fields if field.name not in {"id", *FIGURES_AND_WORDS}]


def _escalations_by_user(users, now):
    """{user id: escalations}: the open ones and those still resting after an acknowledgement,
    each holding its user already read (a re-send's alerts read it)."""
    found = {}
    open_or_resting = Q(closed_at__isnull=True) | Q(acknowledged_at__gt=rest_began(now))
    for escalation in objects_read(Escalation.objects.filter(open_or_resting, user_id__any=list(users)), DECIDED_ON):
        escalation.user = users[escalation.user_id]
        found.setdefault(escalation.user_id, []).append(escalation)
    return found


def _checks_save(checks, now):
    """Record the evaluations, [(user id, next due time, CheckAsRead or None)], in two statements.

    A user whose log changed since the evaluation read it (a change that committed after the
    read, though its time may be earlier, so the evaluation may not have seen it) keeps the due
    time that change left, seconds away at most, and their last evaluation: the next one finds
    the log changed.
    """
    field = TrendCheck._meta.get_field
    rows_execute(
        CHECKS_UPDATE_SQL,
        [(user_id, due_at, read.log_version) for user_id, due_at, read in checks if read],
        fields=[field("user"), field("due_at"), field("log_version")],
        params=[connection.ops.adapt_datetimefield_value(now)],
    )
    rows_insert(  # the users with no check yet; one a change made meanwhile stays
        [field("user"), field("due_at"), field("evaluated_at"), field("evaluated_log_version")],
        [(user_id, due_at, now, 0) for user_id, due_at, read in checks if read is None],
        on_conflict="ON CONFLICT (user_id) DO NOTHING",
    )


_TABLE = TrendCheck._meta.db_table
CHECKS_UPDATE_SQL = f"""
    UPDATE {_TABLE} SET evaluated_at = %s, due_at = v.column2, evaluated_log_version = v.column3
    FROM ({{rows}}) AS v WHERE {_TABLE}.user_id = v.column1 AND {_TABLE}.log_version = v.column3
"""
