"""The one writer of a user's records: safe retries, tombstones, local dates."""

from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from heeljournal.bulk import rows_insert
from tracking.escalations import red_flag_reasons, red_flags_raise
from tracking.evaluation import schedule_sql, schedule_times, trend_check_queue, trend_check_schedule
from tracking.models import (
    DAY_FIGURE_COLUMNS,
    RED_FLAG_INPUTS,
    Activity,
    Episode,
    EpisodeRevision,
    Footwear,
    JournalEntry,
    SyncHorizon,
)
from tracking.notifications import enqueue_on_commit


class RecordGone(Exception):
    """The record was deleted while an edit of it was on its way (another phone, a moment ago)."""


class RecordConflict(Exception):
    """A client id that names a different (or deleted) record; `detail` says which, to the
    user whose record it is."""

    def __init__(self, detail=None):
        super().__init__(detail)
        self.detail = detail


# Fields the server owns: never part of "the same body" when a phone retries a create.
SERVER_FIELDS = {"id", "user", "created_at", "updated_at", "deleted_at", "local_date", "escalation"}


def _same_content(existing, candidate):
    return all(
        field.value_from_object(existing) == field.value_from_object(candidate)
        for field in type(existing)._meta.concrete_fields
        if field.name not in SERVER_FIELDS
    )


def record_create(*, model, user, data, record_id=None):
    """Create a record; a retry of the same create returns the stored one.

    Returns (record, created). Raises RecordConflict when `record_id` is taken by a
    record with other content, by a deleted record, or by another user's record.
    """
    if record_id is None:
        return model.objects.create(user=user, **data), True
    try:
        with transaction.atomic():
            return model.objects.create(id=record_id, user=user, **data), True
    except IntegrityError:
        existing = model.with_tombstones.filter(pk=record_id).first()
        if existing is None:
            raise  # not the id: the account erased meanwhile, say (heeljournal.api answers it)
        return _stored_twin(user=user, candidate=model(id=record_id, user=user, **data), existing=existing), False


def _stored_twin(*, user, candidate, existing):
    """The stored record (`existing`, under the taken id, or None) that a create repeats;
    RecordConflict if it is not one."""
    if existing is not None and existing.user_id == user.pk and existing.deleted_at:
        raise RecordConflict("This record was deleted; a new record needs a new id.")
    if existing is None or existing.user_id != user.pk:
        raise RecordConflict
    if not _same_content(existing, candidate):  # the user's own: another body, or edited since
        raise RecordConflict("This id is stored with other content (edited since, perhaps): GET it to see which.")
    return existing


def episode_log(*, user, data, record_id=None):
    """Log an episode: its red flags are escalated in the same transaction, before the
    answer leaves; the trend rules run a few seconds later in a worker.

    Returns (episode, created); raises RecordConflict as record_create does.
    """
    episode = Episode(user=user, **data) if record_id is None else Episode(id=record_id, user=user, **data)
    if not episode.red_flags and connection.vendor == "postgresql":
        created, scheduled = _episode_insert(episode)
        if scheduled:
            trend_check_queue(user_id=user.pk)
        if created:
            return episode, True
        existing = Episode.with_tombstones.filter(pk=episode.pk).first()
        return _stored_twin(user=user, candidate=episode, existing=existing), False
    with transaction.atomic():
        episode, created = record_create(model=Episode, user=user, data=data, record_id=record_id)
        if created:
            red_flags_raise(episode=episode, now=timezone.now())
            trend_check_schedule(user=user)
    return episode, created


def _episode_insert(episode):
    """Insert an episode without red flags (unless its id is taken) and make its user due for
    the trend rules, in one statement, so one transaction: (inserted, made due). The ORM's
    insert, the separate schedule and the transaction's round trips were a third of logging
    an episode (measured, bench/README.md)."""
    episode.file_under_local_date()
    values = [field.get_db_prep_save(field.pre_save(episode, True), connection) for field in _EPISODE_FIELDS]
    due_at, after_rows = schedule_times(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_episode_insert_sql(), [*values, due_at, *after_rows])
        inserted, made_due = cursor.fetchone()
    if inserted:  # as the ORM marks a saved object
        episode._state.adding, episode._state.db = False, connection.alias
    return bool(inserted), bool(made_due)


_EPISODE_FIELDS = Episode._meta.concrete_fields


@cache
def _episode_insert_sql():
    quote = connection.ops.quote_name
    return f"""
        WITH logged AS (
            INSERT INTO {quote(Episode._meta.db_table)} ({", ".join(quote(field.column) for field in _EPISODE_FIELDS)})
            VALUES ({", ".join(["%s"] * len(_EPISODE_FIELDS))})
            ON CONFLICT (id) DO NOTHING
            RETURNING user_id
        ), scheduled AS ({schedule_sql("SELECT user_id, %s, 1 FROM logged")})
        SELECT (SELECT count(*) FROM logged), (SELECT count(*) FROM scheduled WHERE made_due)
    """


def episode_update(*, episode, data):
    """Edit an episode, keeping what changed for the clinician's reading of the log. A red flag
    the edit adds is escalated at once; one the episode had already raised is not again."""
    with transaction.atomic():
        changes = record_update(record=episode, data=data)
        if changes:
            EpisodeRevision.objects.create(episode=episode, changes=changes)
        if changes.keys() & set(RED_FLAG_INPUTS):
            before = {name: changes.get(name, [getattr(episode, name)])[0] for name in RED_FLAG_INPUTS}
            red_flags_raise(episode=episode, now=timezone.now(), held_before=red_flag_reasons(before))
        if changes.keys() & TREND_INPUTS:
            trend_check_schedule(user=episode.user)


# What the trend rules read of an episode: its day's figures, and its day.
TREND_INPUTS = {*DAY_FIGURE_COLUMNS, "started_at"}


def episode_delete(*, episode):
    with transaction.atomic():
        record_delete(record=episode)
        episode.revisions.all().delete()  # what its edits held, the notes' old words among it
        trend_check_schedule(user=episode.user)


def record_update(*, record, data):
    """Apply `data` to `record` as it stands now; returns what changed, {field: [before, after]}.

    The row is read again under a lock: of two edits at once, each keeps its own fields (the
    second no longer writes back the first one's stale copy), and an edit of a record deleted
    meanwhile raises RecordGone rather than bring it back ("deleted_at" in `data` may). A record
    left as it was is not saved: its updated_at stays, so no phone downloads it again.
    """
    with transaction.atomic(savepoint=False):  # inside an edit's transaction, no savepoint of its own
        current = type(record).with_tombstones.select_for_update().filter(pk=record.pk).first()
        if current is None or (current.deleted_at is not None and "deleted_at" not in data):
            raise RecordGone
        # Not refresh_from_db: it drops the cached user and escalation, each then read again.
        for field in record._meta.concrete_fields:
            setattr(record, field.attname, getattr(current, field.attname))
        return _changes_save(record, data)


def _changes_save(record, data):
    fields = [record._meta.get_field(name) for name in data]
    before = {field.name: field.value_from_object(record) for field in fields}
    for name, value in data.items():
        setattr(record, name, value)
    changes = {
        field.name: [before[field.name], after]
        for field in fields
        if (after := field.value_from_object(record)) != before[field.name]
    }
    if changes:
        record.save()
    return changes


# What a tombstone does not keep: the user's own words. Sync needs only its id and time.
CLEARED_ON_DELETE = ("notes",)


def record_delete(*, record):
    """Leave a tombstone so every phone of the user learns of the deletion. Raises RecordGone
    if another request deleted it first: of two DELETEs at once, one deletes, the other is told.
    So is a DELETE of a journal entry deleted and written anew meanwhile (a PUT): the entry it
    read is gone, and the new one is not what it was asked to delete."""
    now = timezone.now()
    cleared = {field.name: "" for field in record._meta.concrete_fields if field.name in CLEARED_ON_DELETE}
    live = type(record).with_tombstones.filter(pk=record.pk, deleted_at__isnull=True, created_at=record.created_at)
    # An edit that held the row while this waited was timed after `now`: the tombstone comes
    # later still, so that it reads as the newest version of the record wherever times are compared.
    after_any_edit = Greatest(Value(now), F("updated_at") + timedelta(microseconds=1))
    if not live.update(deleted_at=now, updated_at=after_any_edit, **cleared):
        raise RecordGone
    # The object learns what it lost; its tombstone's time stays the database's (no caller reads it).
    for name, value in {"deleted_at": now, **cleared}.items():
        setattr(record, name, value)


def local_dates_recompute(*, user):
    """After a time-zone change, file every episode and activity under the new local date, and
    have the trend rules run on the new days a few seconds on (not at the old zone's midnight).
    That evaluation sees the log as changed: open escalations' figures move to the new days.

    A record another phone logs at that very moment was dated in the old zone, and may commit
    after this has read the log: the records are filed again LOCAL_DATES_REFILE_SECONDS on (a
    task; lost in a broker outage, such a record keeps the old zone's date)."""
    from tracking.tasks import refile_local_dates

    _records_refile(user)
    # Counts as a change even where no date moved: the user's today and midnight moved with the zone.
    trend_check_schedule(user=user)
    enqueue_on_commit(refile_local_dates, user.pk, countdown=settings.LOCAL_DATES_REFILE_SECONDS)


def local_dates_refile(*, user_id):
    """File again each record of the user whose local date is not that of their zone as it is
    now; the trend rules run again if one moved. The account is locked as a zone change locks it
    (accounts.users.user_update): another change, or an erasure, waits for this or comes first."""
    with transaction.atomic():
        user = User.objects.select_for_update(no_key=True).filter(pk=user_id).first()
        if user is not None and _records_refile(user):
            trend_check_schedule(user=user)


def _records_refile(user):
    """File each of the user's episodes and activities under its date in the user's zone; how many moved."""
    moved = 0
    for model in (Episode, Activity):
        records = []
        for record in model.with_tombstones.filter(user=user).only("id", "started_at", "local_date"):
            local_date = user.local_date(record.started_at)
            if record.local_date != local_date:
                record.local_date = local_date
                records.append(record)
        model.with_tombstones.bulk_update(records, ["local_date"], batch_size=500)
        moved += len(records)
    return moved


def journal_entry_put(*, user, day, data):
    """Create or replace the journal entry of a day. Returns (entry, created): a deleted entry
    comes back to life as a new one, as the phone sees it."""
    fields = {"overall": None, "relief_measures": [], "notes": "", **data, "deleted_at": None}
    with transaction.atomic():
        entry, created = JournalEntry.with_tombstones.select_for_update().get_or_create(
            user=user, date=day, defaults=fields
        )
        if created:
            return entry, True
        revived = entry.deleted_at is not None
        if revived:  # a new entry, as the phone sees it (201), made now
            fields["created_at"] = timezone.now()
        record_update(record=entry, data=fields)
        return entry, revived


SYNCED_MODELS = (Footwear, Episode, Activity, JournalEntry)
EARLIEST = datetime.min.replace(tzinfo=UTC)  # a sync "since year 1" goes back no further


@transaction.atomic
def tombstones_purge(*, now):
    """Forget deletions older than SYNC_TOMBSTONE_DAYS, keeping for each user the latest one
    forgotten: a phone that synced before it is told to pull afresh (sync_missed_deletions)."""
    cutoff = now - timedelta(days=settings.SYNC_TOMBSTONE_DAYS)
    purged = [model.with_tombstones.filter(deleted_at__lt=cutoff) for model in SYNCED_MODELS]
    forgotten = {}
    for tombstones in purged:
        for user_id, latest in tombstones.values_list("user").annotate(Max("deleted_at")).order_by():
            forgotten[user_id] = max(latest, forgotten.get(user_id, latest))
    horizons_move_on(forgotten)
    # Records still naming a pair of shoes forgotten now lose it: a change phones must sync.
    shoes = purged[SYNCED_MODELS.index(Footwear)].values("pk")
    for model in (Episode, Activity):
        model.with_tombstones.filter(footwear__in=shoes).update(footwear=None, updated_at=now)
    for tombstones in purged:
        tombstones.delete()


def horizons_move_on(forgotten):
    """Record {user id: latest deletion forgotten}; a horizon only moves on, should two purges
    overlap and the earlier commit last."""
    table, later = SyncHorizon._meta.db_table, "GREATEST" if connection.vendor == "postgresql" else "MAX"
    rows_insert(
        [SyncHorizon._meta.get_field(name) for name in ("user", "deletions_forgotten_until")],
        list(forgotten.items()),
        on_conflict="ON CONFLICT (user_id) DO UPDATE SET deletions_forgotten_until ="
        f" {later}({table}.deletions_forgotten_until, excluded.deletions_forgotten_until)",
    )


def sync_changed_from(since):
    """The first change time a sync from `since` answers with: a little earlier, since a change
    may commit after a later one that the phone has seen (SYNC_OVERLAP_SECONDS)."""
    overlap = timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)
    return max(since, EARLIEST + overlap) - overlap


def sync_missed_deletions(*, user, since, now):
    """Whether a sync from `since` would miss a deletion whose tombstone is purged: the phone
    would keep that record for ever.

    A phone that synced after a deletion was told of it; every deletion forgotten is older than
    SYNC_TOMBSTONE_DAYS (less a day's margin: the clocks of the hosts that purge and answer may
    differ), so a recent sync needs no look. A time from before the account (year 1, say) is
    no exception: an offline-first phone holds the records it made itself, synced or not."""
    changed_from = sync_changed_from(since)
    if changed_from >= now - timedelta(days=settings.SYNC_TOMBSTONE_DAYS - 1):
        return False
    return SyncHorizon.objects.filter(user=user, deletions_forgotten_until__gte=changed_from).exists()
