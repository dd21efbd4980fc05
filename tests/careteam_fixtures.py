"""Care-team test data, built through the real API and services: a patient's log, a code, a link."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.test import Client
from django.utils import timezone

from careteam import access
from tests.conftest import client_for, episode_body, make_user


def data_migrations_rerun(app_label):
    """Run an app's data migrations again, each on the models of its own step, as `migrate`
    did: the flush that ends a transactional test empties what they made (the Clinicians group)."""
    loader = MigrationLoader(connection)
    with connection.schema_editor() as schema_editor:
        for key in loader.graph.forwards_plan(loader.graph.leaf_nodes(app_label)[0]):
            data_steps = [op for op in loader.graph.nodes[key].operations if isinstance(op, RunPython)]
            if key[0] == app_label and data_steps:
                models_then = loader.project_state(key, at_end=False).apps
                for step in data_steps:
                    step.code(models_then, schema_editor)


def log_days(api, *severities, days_ago_first=None, **fields):
    """One episode a day through the API, oldest first, ending yesterday; None skips a day.

    Returns the local dates logged.
    """
    now = timezone.now()
    start = days_ago_first if days_ago_first is not None else len(severities)
    logged = []
    for offset, severity in enumerate(severities):
        if severity is None:
            continue
        moment = now - timedelta(days=start - offset)
        body = episode_body(started_at=moment.isoformat(), severity=severity, **fields)
        response = api.post("/api/v1/episodes/", body, format="json")
        assert response.status_code == 201, response.json()
        logged.append(response.json())
    return logged


def link(patient, clinician):
    """The patient makes a code in the app and the clinician redeems it."""
    code = client_for(patient).post("/api/v1/care-team/invites/").json()["code"]
    return access.invite_redeem(code=code, clinician=clinician)


def admin_client(user):
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    from accounts.models import User

    return User.objects.create_superuser("root@example.com", "a-long-heel-journal-passphrase")


def make_clinician(email):
    """A staff user in the Clinicians group that the data migration made."""
    from django.contrib.auth.models import Group

    user = make_user(email)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Clinicians"))
    return user


@pytest.fixture
def second_clinician(db):
    return make_clinician("second-clinician@example.com")


@pytest.fixture
def clinic(clinician):
    """The clinician's admin session."""
    return admin_client(clinician)


@pytest.fixture
def linked(owner, clinician):
    """The owner gave the clinician a code: the link between them."""
    return link(owner, clinician)
