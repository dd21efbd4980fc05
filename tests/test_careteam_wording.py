"""What a clinician reads of an escalation's evidence: the rules' own figures, in words. No database."""

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils.formats import date_format

from careteam.wording import evidence_described, patient_time
from heeljournal.dates import day_month, day_words, time_words
from tracking.trends import Day, Rules, red_flag_findings, trend_findings

TODAY = date(2026, 11, 27)
RULES = Rules.from_settings()
NEW_YORK = SimpleNamespace(timezone="America/New_York", zone=ZoneInfo("America/New_York"))


def day(back, severity, **figures):
    return Day(date=TODAY - timedelta(days=back), episodes=figures.pop("episodes", 1), severity=severity, **figures)


# Each reason's days, as a log would give them.
LOGS = {
    "persistent": [day(back, 4) for back in range(11)],
    "worsening": [day(back, 2 if back >= 7 else 6) for back in (0, 1, 2, 8, 9, 10)],
    "increasing_pain": [day(back, 3, pain=1 if back >= 7 else 5) for back in (0, 1, 2, 8, 9, 10)],
    "bilateral_pattern": [day(back, 3, episodes=2, both_sides=2) for back in range(3)],
    "radiating_pattern": [day(back, 3, radiating=1) for back in range(3)],
}


def findings_of(reason):
    return {finding.reason: finding for finding in trend_findings(LOGS[reason], today=TODAY, rules=RULES)}


@pytest.mark.parametrize(
    "reason, expected",
    [
        (
            "persistent",
            [
                "An episode on 11 of the 14 days to 27 Nov 2026: 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27 Nov 2026.",
                "The rule: 10 days or more.",
            ],
        ),
        (
            "worsening",
            [
                "Mean daily severity 2 on 3 logged days before 21 Nov 2026, 6 on 3 logged days from 21 Nov 2026: up 4.",
                "The rule: up 2 or more, with 3 logged days or more in each half of the 14 days to 27 Nov 2026.",
            ],
        ),
        (
            "increasing_pain",
            [
                "Mean daily pain 1 on 3 logged days before 21 Nov 2026, 5 on 3 logged days from 21 Nov 2026: up 4.",
                "The rule: up 2 or more, with 3 logged days or more in each half of the 14 days to 27 Nov 2026.",
            ],
        ),
        (
            "bilateral_pattern",
            [
                "6 of 6 episodes in the 30 days to 27 Nov 2026 were in both feet (100%).",
                "The rule: 5 episodes or more, 50% or more of them in both feet.",
            ],
        ),
        (
            "radiating_pattern",
            ["3 episodes in the 30 days to 27 Nov 2026 ran down from the lower back or leg.", "The rule: 3 or more."],
        ),
    ],
)
def test_a_trends_evidence_reads_as_its_figures_then_its_rule(reason, expected):
    finding = findings_of(reason)[reason]
    assert evidence_described(reason, finding.evidence, NEW_YORK, TODAY) == expected


def test_an_escalations_evidence_ends_with_the_thresholds_that_time_its_life(settings):
    from tracking.escalations import escalation_evidence

    settings.RESEND_EVERY_DAYS = 6
    finding = findings_of("persistent")["persistent"]
    assert evidence_described("persistent", escalation_evidence(finding), NEW_YORK, TODAY)[-1] == (
        "It closes once the rule has not held for 14 days; unacknowledged, it is sent again every 6 days, "
        "3 times at most; acknowledged, it does not return for 14 days."
    )
    (red_flag,) = red_flag_findings(
        sudden_onset=False, foot_weakness=True, bowel_bladder_change=False, severity=3, rules=RULES
    )
    evidence = escalation_evidence(red_flag) | {"started_at": "2026-11-26T12:00:00Z"}
    assert evidence_described("foot_weakness", evidence, NEW_YORK, TODAY)[-1] == (
        "It closes once no episode with this sign has been logged for 14 days."
    )


def test_a_red_flags_evidence_names_the_episode_on_the_patients_clock():
    (finding,) = red_flag_findings(
        sudden_onset=True, foot_weakness=False, bowel_bladder_change=False, severity=8, rules=RULES
    )
    evidence = {**finding.evidence, "episode": "e0e72c7e", "started_at": "2026-11-28T03:45:00Z"}
    assert evidence_described(finding.reason, evidence, NEW_YORK, TODAY) == [
        "Logged with the episode that started 27 Nov 2026, 22:45 EST (America/New_York), severity 8.",
        "The rule: a sudden onset at severity 7 or more.",
    ]


def test_dates_read_by_month():
    evidence = {"window_days": 14, "logged_days": 3, "min_logged_days": 10, "dates": ["2026-10-30", "2026-11-02"]}
    assert evidence_described("persistent", evidence, NEW_YORK, TODAY)[0] == (
        "An episode on 3 of the 14 days to 27 Nov 2026: 30 Oct 2026, 2 Nov 2026."
    )


def test_the_windows_end_on_the_day_the_figures_were_taken_not_the_last_day_the_rule_held():
    # Figures kept from 27 Nov, while the rule went on holding to 4 Dec (nothing logged since).
    (finding,) = trend_findings(LOGS["persistent"], today=TODAY, rules=RULES)
    held_to = TODAY + timedelta(days=7)
    assert evidence_described("persistent", finding.evidence, NEW_YORK, held_to)[0].startswith(
        "An episode on 11 of the 14 days to 27 Nov 2026:"
    )


def test_evidence_of_another_shape_still_reads_as_its_figures():
    evidence = {"logged_days": 10, "window_days": 14, "dates": ["2026-11-20", "2026-11-21"]}
    assert evidence_described("persistent", evidence, NEW_YORK, TODAY) == [
        "Logged days: 10.",
        "Window days: 14.",
        "Dates: 2026-11-20, 2026-11-21.",
    ]


def test_a_time_reads_on_the_patients_clock_and_none_as_a_dash():
    moment = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 1:30 in New York, twice that night
    assert patient_time(moment, NEW_YORK) == "1 Nov 2026, 01:30 EDT (America/New_York)"
    assert patient_time(moment + timedelta(hours=1), NEW_YORK) == "1 Nov 2026, 01:30 EST (America/New_York)"
    assert time_words(moment.astimezone(ZoneInfo("Asia/Kathmandu"))) == "1 Nov 2026, 11:15 UTC+05:45"
    assert time_words(moment.replace(tzinfo=None)) == "1 Nov 2026, 05:30"  # no zone, none claimed
    assert patient_time(None, NEW_YORK) == "-"
    sao_paulo = SimpleNamespace(timezone="America/Sao_Paulo", zone=ZoneInfo("America/Sao_Paulo"))  # no abbreviation
    assert patient_time(moment, sao_paulo, zone_named=False) == "1 Nov 2026, 02:30 UTC-03"


def test_an_access_log_line_says_its_time_as_the_pages_do():
    from careteam.models import AccessLog

    line = AccessLog(
        viewer_email="dr@example.com", what="Patient page", at=datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    )
    assert str(line) == "dr@example.com saw Patient page at 7 Dec 2026, 10:00 UTC"


def test_the_admins_own_dates_and_times_read_as_the_pages_do():
    """Django writes the admin's own fields (the access log's times, in UTC) and the templates'
    dates with its formats; the pages, alerts and PDF with heeljournal.dates."""
    moment = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    assert date_format(moment, "DATETIME_FORMAT") == time_words(moment) == "7 Dec 2026, 10:00 UTC"
    for day in (date(2026, 1, 1) + timedelta(days=n) for n in range(0, 365, 17)):
        assert date_format(day) == day_words(day)
        assert date_format(day, "MONTH_DAY_FORMAT") == day_month(day)
        assert date_format(day, "YEAR_MONTH_FORMAT") == day_words(day).partition(" ")[2]  # "Dec 2026"
