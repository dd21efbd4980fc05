"""The severity chart, from plain figures. No database."""

from datetime import date, timedelta

from careteam.chart import chart_layout, chart_svg
from careteam.selectors import Marker

FIRST = date(2026, 11, 1)


def figures(*severities, pain=None):
    return [
        {"date": FIRST + timedelta(days=n), "episodes": 1, "max_severity": severity, "max_pain": pain}
        for n, severity in enumerate(severities)
    ]


def test_a_days_pain_equal_to_its_severity_is_drawn_over_its_dot():
    svg = chart_svg(chart_layout(figures=figures(5, 6, pain=5), markers=[]), title="chart")
    dot, square = (
        svg.index('<circle class="severity-point" data-date="2026-11-01"'),
        svg.index('<rect class="pain-point" data-date="2026-11-01"'),
    )
    assert dot < square  # drawn later: on top
    assert 'fill="none"' in svg[square : svg.index(">", square)]  # open: the dot shows through


def test_escalations_of_one_day_are_one_line_with_every_reason_in_its_most_pressing_colour():
    day = FIRST + timedelta(days=1)
    markers = [
        Marker(day, "Persistent numbness", "see_clinician"),
        Marker(day, "Bowel or bladder change", "emergency"),
        Marker(day, "Bowel or bladder change", "red_flag"),
        Marker(day, "Bowel or bladder change", "red_flag"),  # a second episode that day
    ]
    layout = chart_layout(figures=figures(5, 6, 7), markers=markers)
    assert [(marker.kind, marker.label) for _x, marker in layout.markers] == [
        ("emergency", "Persistent numbness; Bowel or bladder change"),
        ("red_flag", "Bowel or bladder change"),
    ]


def test_the_axis_names_its_days_without_the_year_and_always_today():
    layout = chart_layout(figures=figures(*[5] * 30), markers=[])
    assert [label for _x, label in layout.day_labels] == ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
