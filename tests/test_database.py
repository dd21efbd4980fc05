"""The PostgreSQL backend (heeljournal/postgresql): times read in C come back as the same
instants, in UTC, as Django's own reading gave them; a connection's health is known without
a round trip; a statement a connection runs again and again is prepared by the server. And
the sweep's own reads (`__any`, heeljournal/bulk.objects_read) give what Django's give."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from tests.careteam_fixtures import admin_client, superuser  # noqa: F401
from tests.conftest import episode_body, real_stack_or_skip

pytestmark = pytest.mark.django_db


def test_times_come_back_as_the_instants_written_in_utc(api):
    real_stack_or_skip()
    from heeljournal.postgresql.base import UtcTimestamptzLoader
    from tracking.models import Episode

    paris = ZoneInfo("Europe/Paris")
    written = [
        datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=paris),  # the last moment before summer time
        datetime(2026, 3, 29, 3, 0, tzinfo=paris),
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=paris),  # the second 2:30 of the autumn night
        datetime(2026, 11, 24, 6, 30, 0, 1, tzinfo=UTC),
    ]
    for moment in written:
        assert (
            api.post("/api/v1/episodes/", episode_body(started_at=moment.isoformat()), format="json").status_code == 201
        )
    read = sorted(Episode.objects.values_list("started_at", flat=True))
    assert read == sorted(moment.astimezone(UTC) for moment in written)
    assert all(moment.tzinfo is UTC for moment in read)
    assert [e["started_at"] for e in api.get("/api/v1/episodes/").json()["results"]][
        -1
    ] == "2026-03-29T00:59:59.999999Z"
    with connection.cursor() as cursor:  # and they were read by psycopg's C loader
        loader = cursor.cursor.adapters.get_loader(1184, 0)(1184, cursor.cursor)
        assert isinstance(loader, UtcTimestamptzLoader)
        assert type(loader.load.__self__).__module__.startswith("psycopg_binary")
        cursor.execute("SELECT %s::timestamptz - interval '1 day'", [written[0]])
        assert cursor.fetchone()[0] == written[0] - timedelta(days=1)


def test_logging_episodes_again_and_again_runs_a_statement_the_server_has_prepared(api):
    real_stack_or_skip()
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]  # None: DB_PREPARE_THRESHOLD=0

    def prepared_inserts():
        with connection.cursor() as cursor:
            statement = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
            cursor.execute(statement, ['%INSERT INTO "tracking_episode"%'])
            return cursor.fetchone()[0]

    runs = (threshold or 5) + 2
    prepared_after = []
    for _ in range(runs):
        assert api.post("/api/v1/episodes/", episode_body(), format="json").status_code == 201
        prepared_after.append(prepared_inserts())
    # Parsed and planned anew as many times as the threshold says; from then on, prepared once.
    assert prepared_after == ([0] * runs if threshold is None else [0] * threshold + [1, 1])


def test_the_admins_date_drill_down_answers_with_values_bound_by_the_server(api, superuser):
    real_stack_or_skip()  # PostgreSQL must tell each value's type from the statement alone
    body = episode_body(foot_weakness=True)
    assert api.post("/api/v1/episodes/", body, format="json").status_code == 201
    clinic = admin_client(superuser)
    logged = datetime.fromisoformat(body["started_at"]).astimezone(ZoneInfo("Europe/Paris")).date()  # the owner's day
    for page, field, moment in (("episode", "local_date", logged), ("escalation", "created_at", timezone.now())):
        for depth in (("year",), ("year", "month"), ("year", "month", "day")):
            drill = "&".join(f"{field}__{part}={getattr(moment, part)}" for part in depth)
            response = clinic.get(f"/admin/tracking/{page}/?{drill}", secure=True)
            assert response.status_code == 200 and 'id="result_list"' in response.content.decode(), (page, drill)


@pytest.mark.real_stack
def test_the_health_check_of_an_idle_connection_asks_the_server_nothing(transactional_db, monkeypatch):
    real_stack_or_skip()
    from tests.test_faults import terminate_backend

    connection.ensure_connection()
    session = connection.connection

    def no_round_trip(*args, **kwargs):
        raise AssertionError("the health check sent a statement")

    monkeypatch.setattr(session, "cursor", no_round_trip)
    monkeypatch.setattr(session, "execute", no_round_trip)
    assert connection.is_usable()
    terminate_backend(session.info.backend_pid)
    assert not connection.is_usable()
    monkeypatch.undo()
    connection.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({}, "episode_page"),
        ({"from": "2026-11-01"}, "episode_page"),
        ({"updated_since": "2026-01-01T00:00:00Z"}, "episode_changes"),
    ],
)
def test_a_page_of_episodes_is_read_in_order_from_its_index(api, query, index):
    """Without a sort of the user's episodes, however many they logged (tracking/migrations/0005)."""
    real_stack_or_skip()
    for _ in range(3):
        api.post("/api/v1/episodes/", episode_body(), format="json")
    read = []

    def kept(execute, sql, params, many, context):
        if sql.startswith("SELECT") and 'FROM "tracking_episode"' in sql and "ORDER BY" in sql:
            read.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kept):
        first = api.get("/api/v1/episodes/", {**query, "page_size": 2}).json()
        api.get(first["next"])  # a page after a cursor
    assert len(read) == 2
    with connection.cursor() as cursor:
        for plan_kind in ("seqscan", "bitmapscan", "sort"):  # what a table of three rows would favour
            cursor.execute(f"SET LOCAL enable_{plan_kind} = off")
        for sql, params in read:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"Index Scan using {index}" in plan and "Sort" not in plan, plan


def test_any_of_many_values_finds_what_in_finds(django_user_model):
    """`__any` (heeljournal/lookups.py), one array parameter on PostgreSQL, selects the rows
    `__in` selects, for integer and UUID keys, through a relation too, and none for no values."""
    from tracking.models import Escalation, TrendCheck

    users = [django_user_model.objects.create_user(email=f"u{n}@example.com", password="x") for n in range(4)]
    for user in users:
        TrendCheck.objects.create(user=user)
    escalations = [
        Escalation.objects.create(user=user, reason="persistent", level="see_clinician", last_held_on="2026-11-01")
        for user in users
    ]
    wanted = [users[0].pk, users[2].pk]

    def ids(rows):
        return sorted(rows.values_list("pk", flat=True))

    assert ids(TrendCheck.objects.filter(user_id__any=wanted)) == ids(TrendCheck.objects.filter(user_id__in=wanted))
    assert ids(TrendCheck.objects.filter(user_id__any=wanted)) == sorted(wanted)
    assert ids(django_user_model.objects.filter(pk__any=set(wanted))) == sorted(wanted)
    some = [escalations[1].pk, escalations[3].pk]
    assert ids(Escalation.objects.filter(pk__any=some)) == sorted(some)
    assert ids(Escalation.objects.exclude(pk__any=some)) == sorted(e.pk for e in escalations if e.pk not in some)
    assert not Escalation.objects.filter(pk__any=[]).exists()
    assert Escalation.objects.exclude(pk__any=[]).count() == 4


def test_objects_read_are_the_objects_only_reads(django_user_model):
    """`objects_read` (heeljournal/bulk.py), the sweep's reading of users and escalations,
    gives the objects `.only()` gives: the same values, the fields left out read on first use,
    and saved objects, whose save updates their row."""
    from heeljournal.bulk import objects_read

    for n, zone in enumerate(["Europe/Paris", "America/Denver"]):
        django_user_model.objects.create_user(
            email=f"u{n}@example.com", password="x", timezone=zone, info_alerts=bool(n)
        )
    fields = ("email", "timezone", "info_alerts")
    read = list(objects_read(django_user_model.objects.order_by("pk"), fields))
    only = list(django_user_model.objects.order_by("pk").only(*fields))

    assert [user.get_deferred_fields() for user in read] == [user.get_deferred_fields() for user in only]
    every = [field.attname for field in django_user_model._meta.concrete_fields]
    assert [[getattr(user, name) for name in every] for user in read] == [
        [getattr(user, name) for name in every] for user in only
    ]
    read[0].info_alerts = True
    read[0].save(update_fields=["info_alerts"])
    assert django_user_model.objects.count() == 2 and django_user_model.objects.get(pk=read[0].pk).info_alerts


def test_an_escalation_objects_read_saves_as_the_stored_row(django_user_model):
    """An object read is a saved one: its save updates its row, where an object taken for new
    (its id has a default) would be inserted again, and fail."""
    from heeljournal.bulk import objects_read
    from tracking.models import Escalation

    user = django_user_model.objects.create_user(email="u@example.com", password="x")
    Escalation.objects.create(user=user, reason="persistent", level="see_clinician", last_held_on="2026-11-01")
    (escalation,) = objects_read(Escalation.objects.all(), ["last_held_on"])
    escalation.last_held_on = date(2026, 11, 2)
    escalation.save()
    assert list(Escalation.objects.values_list("last_held_on", flat=True)) == [date(2026, 11, 2)]


@pytest.mark.parametrize("signal", ["pre_init", "post_init"])
def test_objects_read_tells_init_receivers_of_each_object(django_user_model, signal):
    """A model with pre_init or post_init receivers is read through Django's own path, so they
    hear of every object, loaded as `.only()` loads it."""
    from django.db.models import signals

    from heeljournal.bulk import objects_read

    for n in range(2):
        django_user_model.objects.create_user(email=f"u{n}@example.com", password="x")
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    getattr(signals, signal).connect(receiver, sender=django_user_model)
    try:
        read = list(objects_read(django_user_model.objects.order_by("pk"), ["email"]))
    finally:
        getattr(signals, signal).disconnect(receiver, sender=django_user_model)
    assert heard == [django_user_model] * 2 and [user.email for user in read] == ["u0@example.com", "u1@example.com"]
    loaded_later = {field.attname for field in django_user_model._meta.concrete_fields} - {"id", "email"}
    assert [user.get_deferred_fields() for user in read] == [loaded_later] * 2


def _episode(user, at):
    from tracking.models import Episode

    fields = {"side": "left", "locations": ["plantar"], "sensations": ["numbness"], "severity": 3}
    return Episode(user=user, started_at=at, local_date=at.date(), **fields)


def _activity(user, at):
    from tracking.models import Activity

    return Activity(user=user, started_at=at, local_date=at.date(), kind="walking", duration_minutes=30)


def _look(user, at):
    from careteam.models import AccessLog

    return AccessLog(patient=user, viewer_email="dr@example.com", what="Patient page, last 30 days", at=at)


@pytest.mark.parametrize(
    "path, row",
    [("/api/v1/episodes/", _episode), ("/api/v1/activities/", _activity), ("/api/v1/care-team/access-log/", _look)],
)
def test_a_long_log_is_listed_by_reading_one_page_of_it(api, owner, django_user_model, path, row):
    """Someone who logged far more than most since the statistics were taken (or whose
    clinician looked far more often): their page is read in order from the list's index, 51
    rows, not their whole log read and sorted. PostgreSQL reckons on a log of average length;
    offered an index of the user alone, it took that one and sorted."""
    real_stack_or_skip()
    import json

    from django.test.utils import CaptureQueriesContext

    model = type(row(owner, timezone.now()))
    table = model._meta.db_table
    now = timezone.now()

    def logged(user, count):
        return [row(user, now - timedelta(hours=n)) for n in range(count)]

    others = django_user_model.objects.bulk_create(django_user_model(email=f"u{n}@example.com") for n in range(300))
    users = [owner, *others]
    model.objects.bulk_create([one for user in users for one in logged(user, 20)])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")  # as autovacuum does now and then
    model.objects.bulk_create(logged(owner, 2000))
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get(path).json()["results"]) == 50
    (statement,) = [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
        plan = cursor.fetchone()[0]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    steps = list(nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
    (scan,) = [step for step in steps if step.get("Relation Name") == table]
    assert scan["Actual Rows"] == 51 and not [step for step in steps if step["Node Type"] == "Sort"], steps
