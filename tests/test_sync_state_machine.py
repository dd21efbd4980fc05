"""A phone and the server converge, whatever the order of creates, updates, deletes, retried
requests and sync pulls.

Hypothesis drives a phone against the API. The phone writes with ids of its own, retries
creates and updates as a phone on a bad network does, and pulls `?updated_since=` (following
every `next` page), applying records and tombstones to its local store. After each pull, and
at the end, its store must equal the server's list, and both must equal a model of what the
server should hold.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, precondition, rule, run_state_machine_as_test

from heeljournal.enums import FootwearKind, HeelLocation, Sensation, Side, SupportLevel
from tests.conftest import client_for, make_user

KINDS = ("footwear", "episodes")
NEVER = "2000-01-01T00:00:00Z"
# The fields the server owns: a retried create is "the same" whatever they say.
SERVER_OWNED = {"id", "created_at", "updated_at", "escalation"}

names = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).filter(str.strip)
notes = st.text(alphabet="abc é\n", max_size=20)
footwear_fields = {
    "name": names,
    "kind": st.sampled_from(FootwearKind.values),
    "arch_support": st.sampled_from(SupportLevel.values),
    "cushioning": st.sampled_from(SupportLevel.values),
    "orthotic_insert": st.booleans(),
    "retired": st.booleans(),
}
episode_fields = {
    "minutes_ago": st.integers(min_value=0, max_value=14 * 24 * 60),
    "side": st.sampled_from(Side.values),
    "locations": st.lists(st.sampled_from(HeelLocation.values), min_size=1, max_size=4),
    "sensations": st.lists(st.sampled_from(Sensation.values), min_size=1, max_size=3),
    "severity": st.integers(min_value=0, max_value=10),
    "pain": st.none() | st.integers(min_value=0, max_value=10),
    "foot_weakness": st.booleans(),
    "notes": notes,
}
NEW = {"footwear": st.fixed_dictionaries(footwear_fields), "episodes": st.fixed_dictionaries(episode_fields)}
CHANGES = {
    "footwear": st.fixed_dictionaries({}, optional=footwear_fields),
    "episodes": st.fixed_dictionaries({}, optional=episode_fields),
}


def content(record):
    return {name: value for name, value in record.items() if name not in SERVER_OWNED}


class PhoneAndServer(RuleBasedStateMachine):
    records = Bundle("records")

    def __init__(self):
        super().__init__()
        self.api = client_for(make_user(f"phone-{uuid.uuid4()}@example.com"))
        self.now = timezone.now()
        self.server = {}  # what the server should hold: id -> (kind, record or None once deleted)
        self.created = {}  # id -> (kind, body sent, record answered): for retries
        self.last_change = {}  # id -> the body of the last PATCH: for retries
        self.phone = {kind: {} for kind in KINDS}  # the phone's local store
        self.since = dict.fromkeys(KINDS, NEVER)

    def body(self, fields):
        """What the phone sends: times are minutes before the run began."""
        fields = dict(fields)
        if "minutes_ago" in fields:
            fields["started_at"] = (self.now - timedelta(minutes=fields.pop("minutes_ago"))).isoformat()
        return fields

    # --- writes ---

    @rule(target=records, kind=st.sampled_from(KINDS), data=st.data())
    def create(self, kind, data):
        record_id = str(uuid.uuid4())
        body = {"id": record_id, **self.body(data.draw(NEW[kind]))}
        response = self.api.post(f"/api/v1/{kind}/", body, format="json")
        assert response.status_code == 201, response.content
        self.server[record_id] = (kind, response.json())
        self.created[record_id] = (kind, body, response.json())
        return (kind, record_id)

    @rule(record=records)
    def retry_create(self, record):
        """The phone never heard the answer: the same create, the same body."""
        kind, record_id = record
        _kind, body, first_answer = self.created[record_id]
        response = self.api.post(f"/api/v1/{kind}/", body, format="json")
        current = self.server[record_id][1]
        if current is not None and content(current) == content(first_answer):
            assert response.status_code == 200
            assert response.json() == current
        else:  # changed since, or deleted: this id now names a different record
            assert response.status_code == 409

    @rule(record=records, data=st.data())
    def update(self, record, data):
        kind, record_id = record
        change = self.body(data.draw(CHANGES[kind]))
        self.last_change[record_id] = change
        self.patch(kind, record_id, change)

    @precondition(lambda self: self.last_change)
    @rule(data=st.data())
    def retry_update(self, data):
        record_id = data.draw(st.sampled_from(sorted(self.last_change)))
        kind = self.server[record_id][0]
        before = self.server[record_id][1]
        self.patch(kind, record_id, self.last_change[record_id])
        after = self.server[record_id][1]
        if before is not None:
            assert content(after) == content(before)  # a repeated change changes nothing more

    def patch(self, kind, record_id, change):
        response = self.api.patch(f"/api/v1/{kind}/{record_id}/", change, format="json")
        if self.server[record_id][1] is None:
            assert response.status_code == 404
            return
        assert response.status_code == 200, response.content
        self.server[record_id] = (kind, response.json())

    @rule(record=records)
    def delete(self, record):
        """Deleting twice (a retry) finds nothing the second time."""
        kind, record_id = record
        response = self.api.delete(f"/api/v1/{kind}/{record_id}/")
        assert response.status_code == (404 if self.server[record_id][1] is None else 204)
        self.server[record_id] = (kind, None)

    @rule(record=consumes(records))
    def forget(self, record):
        """Keeps the bundle small, so that rules return to the same records often."""

    # --- sync ---

    @rule(kind=st.sampled_from(KINDS), page_size=st.sampled_from([1, 2, 5, 50]))
    def sync(self, kind, page_size):
        self.pull(kind, page_size)
        self.assert_converged(kind)

    def pull(self, kind, page_size=50):
        page = self.api.get(f"/api/v1/{kind}/", {"updated_since": self.since[kind], "page_size": page_size}).json()
        pulled = page["results"]
        while page["next"]:
            page = self.api.get(page["next"]).json()
            pulled += page["results"]
        store = self.phone[kind]
        for record in pulled:
            if record.get("deleted"):
                store.pop(record["id"], None)
            else:
                store[record["id"]] = record
        if pulled:
            latest = max(pulled, key=lambda record: parse_datetime(record["updated_at"]))
            self.since[kind] = latest["updated_at"]

    def server_list(self, kind):
        page = self.api.get(f"/api/v1/{kind}/", {"page_size": 200}).json()
        listed = page["results"]
        while page["next"]:
            page = self.api.get(page["next"]).json()
            listed += page["results"]
        return {record["id"]: record for record in listed}

    def assert_converged(self, kind):
        expected = {
            record_id: record for record_id, (of, record) in self.server.items() if of == kind and record is not None
        }
        assert self.server_list(kind) == expected
        assert self.phone[kind] == expected

    def teardown(self):
        for kind in KINDS:
            self.pull(kind)
            self.assert_converged(kind)


@pytest.mark.django_db
def test_a_phone_and_the_server_converge():
    run_state_machine_as_test(
        PhoneAndServer,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
