"""The severity chart, from plain figures. No database."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

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


def marks(svg):
    """Each kind of a day's mark as its (left, right) edges, pain squares' stroke included."""
    triangles = [
        (float(left), float(right))
        for left, right in re.findall(r'<polygon class="red-flag" points="([\d.]+),[\d.]+ ([\d.]+),', svg)
    ]
    dots = [
        (float(x) - float(r), float(x) + float(r))
        for x, r in re.findall(r'<circle class="severity-point"[^>]* cx="([\d.]+)"[^>]* r="([\d.]+)"', svg)
    ]
    squares = [
        (float(x) - 0.75, float(x) + float(width) + 0.75)
        for x, width in re.findall(r'<rect class="pain-point"[^>]* x="([\d.]+)"[^>]* width="([\d.]+)"', svg)
    ]
    return {"red flags": triangles, "severity dots": dots, "pain squares": squares}


def test_at_90_days_the_marks_of_neighbouring_days_stay_apart():
    flagged = [Marker(FIRST + timedelta(days=n), "Weakness in the foot", "red_flag") for n in (40, 41, 42)]
    svg = chart_svg(chart_layout(figures=figures(*[5] * 90, pain=5), markers=flagged), title="chart")
    drawn = marks(svg)
    for kind, edges in drawn.items():
        assert len(edges) == (3 if kind == "red flags" else 90)
        assert all(left[1] < right[0] for left, right in zip(edges, edges[1:])), kind  # each seen, each hoverable
    dot, square = drawn["severity dots"][0], drawn["pain squares"][0]
    assert square[0] + 1.5 <= dot[0]  # the square's stroke outside the dot: a pain equal to severity still shows


def test_the_pdfs_90_day_chart_keeps_its_marks_apart_as_the_page_does():
    from reportlab.graphics.shapes import Circle, Polygon, Rect

    from careteam.reports import _chart_drawing

    flagged = [Marker(FIRST + timedelta(days=n), "Weakness in the foot", "red_flag") for n in (40, 41, 42)]
    drawing = _chart_drawing(SimpleNamespace(figures=figures(*[5] * 90, pain=5), markers=flagged))
    shapes = drawing.contents[0].contents
    edges = {
        "red flags": [(s.points[0], s.points[2]) for s in shapes if isinstance(s, Polygon)],
        "severity dots": [(s.cx - s.r, s.cx + s.r) for s in shapes if isinstance(s, Circle)],
        "pain squares": [(s.x, s.x + s.width) for s in shapes if isinstance(s, Rect)],
    }
    for kind, sides in edges.items():
        assert len(sides) == (3 if kind == "red flags" else 90)
        assert all(left[1] < right[0] for left, right in zip(sides, sides[1:])), kind


def test_at_30_days_the_marks_keep_their_full_size():
    flagged = [Marker(FIRST + timedelta(days=n), "Weakness in the foot", "red_flag") for n in (10, 11)]
    svg = chart_svg(chart_layout(figures=figures(*[5] * 30, pain=5), markers=flagged), title="chart")
    sizes = {kind: {round(right - left, 1) for left, right in edges} for kind, edges in marks(svg).items()}
    assert sizes == {"red flags": {12}, "severity dots": {7}, "pain squares": {11.5}}


def test_the_axis_names_its_days_without_the_year_and_always_today():
    layout = chart_layout(figures=figures(*[5] * 30), markers=[])
    assert [label for _x, label in layout.day_labels] == ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
