from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from tests.conftest import episode_body, footwear_logged

pytestmark = pytest.mark.django_db
URL = "/api/v1/escalations/"


def red_flag(api):
    return api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json").json()["escalation"]


def test_the_list_shows_every_field_of_the_contract(api):
    red_flag(api)
    item = api.get(URL).json()["results"][0]
    assert set(item) == {
        "id",
        "level",
        "reason",
        "title",
        "message",
        "guidance",
        "evidence",
        "created_at",
        "acknowledged_at",
        "closed_at",  # beyond the contract
    }
    assert item["acknowledged_at"] is None and item["closed_at"] is None


def test_acknowledge_sets_the_time_and_answers_the_escalation(api):
    escalation = red_flag(api)
    response = api.post(f"{URL}{escalation['id']}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["acknowledged_at"] is not None
    again = api.post(f"{URL}{escalation['id']}/acknowledge/")
    assert again.json()["acknowledged_at"] == response.json()["acknowledged_at"]


def test_an_acknowledgement_that_crosses_another_answers_it_as_stored(api):
    from django.utils import timezone as django_timezone

    from tracking.escalations import escalation_acknowledge
    from tracking.models import Escalation

    escalation = red_flag(api)
    first, retry = (Escalation.objects.get(pk=escalation["id"]) for _ in range(2))  # both read before either wrote
    acknowledged = escalation_acknowledge(escalation=first, now=django_timezone.now())
    answered = escalation_acknowledge(escalation=retry, now=django_timezone.now())
    assert answered.acknowledged_at == acknowledged.acknowledged_at is not None
    assert answered.closed_at is not None
    assert list(answered.events.values_list("what", flat=True)) == ["opened", "acknowledged"]  # once


def test_another_users_escalation_is_not_found(api, other_api):
    escalation = red_flag(other_api)
    assert api.get(f"{URL}{escalation['id']}/").status_code == 404
    assert api.post(f"{URL}{escalation['id']}/acknowledge/").status_code == 404
    assert api.get(URL).json()["results"] == []


def test_the_list_costs_the_same_for_one_or_many(api, django_assert_num_queries):
    red_flag(api)
    with django_assert_num_queries(2):
        api.get(URL)
    api.post("/api/v1/episodes/", episode_body(bowel_bladder_change=True), format="json")
    with django_assert_num_queries(2):
        assert len(api.get(URL).json()["results"]) == 2


def test_an_escalation_needs_a_login(anon):
    assert anon.get(URL).status_code == 401


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def log(api, day, severity, **fields):
    started = (NOW - timedelta(days=day)).isoformat()
    api.post("/api/v1/episodes/", episode_body(started_at=started, severity=severity, **fields), format="json")


def test_insights_give_the_daily_series_in_local_dates(api):
    with time_machine.travel(NOW, tick=False):
        log(api, 0, 3)
        log(api, 0, 5, pain=4)
        log(api, 2, 2)
        body = api.get("/api/v1/insights/", {"days": 7}).json()
    assert [day["date"] for day in body["days"]][-1] == "2026-11-27"
    assert len(body["days"]) == 7
    today = body["days"][-1]
    assert today == {"date": "2026-11-27", "episodes": 2, "max_severity": 5, "mean_severity": 4.0, "max_pain": 4}
    assert body["days"][-2]["episodes"] == 0 and body["days"][-2]["max_severity"] is None
    assert body["status"] == "ok"


def test_insights_name_footwear_that_goes_with_worse_days_once_there_are_3_days_each_way(api):
    heels = footwear_logged(api, name="Dress heels", kind="heel", arch_support="none")
    with time_machine.travel(NOW, tick=False):
        for day in range(3):
            log(api, day, 8, footwear=heels["id"])
        for day in range(3, 5):
            log(api, day, 2)
        assert api.get("/api/v1/insights/").json()["footwear"] == []  # only 2 days without
        log(api, 5, 2)
        footwear = api.get("/api/v1/insights/").json()["footwear"]
    assert footwear == [
        {
            "footwear": heels["id"],
            "name": "Dress heels",
            "days_with": 3,
            "days_without": 3,
            "mean_severity_with": 8.0,
            "mean_severity_without": 2.0,
            "difference": 6.0,
        }
    ]


def test_insights_compare_activities_and_show_the_open_level(api):
    with time_machine.travel(NOW, tick=False):
        for day in range(6):
            log(api, day, 7 if day < 3 else 1)
            if day < 3:
                api.post(
                    "/api/v1/activities/",
                    {
                        "started_at": (NOW - timedelta(days=day, hours=1)).isoformat(),
                        "duration_minutes": 240,
                        "kind": "standing",
                    },
                    format="json",
                )
        log(api, 0, 9, sudden_onset=True)
        body = api.get("/api/v1/insights/").json()
    assert body["activities"][0]["kind"] == "standing"
    assert body["activities"][0]["difference"] > 0
    assert body["status"] == "urgent"


@pytest.mark.parametrize("days", ["0", "366", "a month"])
def test_insights_reject_a_bad_window(api, days):
    response = api.get("/api/v1/insights/", {"days": days})
    assert response.status_code == 400
    assert "days" in response.json()


def test_acknowledging_shows_in_the_next_episode_sync(api):
    api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json")
    since = api.get("/api/v1/episodes/").json()["results"][0]["updated_at"]
    escalation = api.get(URL).json()["results"][0]
    api.post(f"{URL}{escalation['id']}/acknowledge/")
    changed = api.get("/api/v1/episodes/", {"updated_since": since}).json()["results"]
    assert changed[0]["escalation"]["acknowledged_at"] is not None
