"""The severity chart: laid out once from the page's data, drawn as SVG (admin) or by reportlab (PDF).

Coordinates are SVG's: x to the right, y downwards, in points of a WIDTH x HEIGHT box.
A day without an episode breaks the lines, so nothing is drawn that the patient did not log.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.utils.html import escape
from django.utils.safestring import mark_safe

from heeljournal.dates import day_month, day_words
from heeljournal.enums import LEVEL_RANKS

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 28, 30, 34  # margins: axis labels left and below (half a label right), markers above
SCALE_MAX = 10  # severity and pain are 0 to 10
SCALE_NAME = f"severity and pain, 0-{SCALE_MAX}"  # up the left edge
DOT_RADIUS = 3.5  # of a severity dot
PAIN_HALF = 5  # half the side of a pain square, wider than a severity dot
FLAG_HALF = 6  # half the width of a red flag's triangle, the widest mark of a day

COLOURS = {
    "paper": "#ffffff",  # the chart's own: the admin's dark theme would leave it dark on near-black
    "severity": "#1f4e79",
    "pain": "#c55a11",
    "grid": "#d9d9d9",
    "axis": "#595959",
    "red_flag": "#c00000",
    "info": "#7f7f7f",
    "see_clinician": "#b8860b",
    "urgent": "#c00000",
    "emergency": "#7f0000",
}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: object
    value: int


@dataclass(frozen=True)
class ChartLayout:
    first: object
    last: object
    severity: list  # Point, one per logged day
    pain: list  # Point, one per day with pain logged
    severity_runs: list = field(default_factory=list)  # runs of consecutive days: the lines
    pain_runs: list = field(default_factory=list)
    gridlines: list = field(default_factory=list)  # (y, label)
    day_labels: list = field(default_factory=list)  # (x, label)
    markers: list = field(default_factory=list)  # (x, Marker)
    mark_scale: float = 1  # of the marks' full sizes (DOT_RADIUS, PAIN_HALF, FLAG_HALF)

    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM

    @property
    def dot_radius(self):
        return round(DOT_RADIUS * self.mark_scale, 1)

    @property
    def pain_half(self):
        return round(PAIN_HALF * self.mark_scale, 1)

    @property
    def flag_half(self):
        return round(FLAG_HALF * self.mark_scale, 1)


def chart_layout(*, figures, markers):
    """Positions for `figures` (daily_figures) and `markers` (selectors.Marker)."""
    first, last = figures[0]["date"], figures[-1]["date"]
    span = max((last - first).days, 1)
    day_width = (WIDTH - LEFT - RIGHT) / span

    def x_of(day):
        return round(LEFT + (day - first).days * day_width, 1)

    def y_of(value):
        return round(HEIGHT - BOTTOM - value * (HEIGHT - TOP - BOTTOM) / SCALE_MAX, 1)

    severity = [
        Point(x_of(d["date"]), y_of(d["max_severity"]), d["date"], d["max_severity"]) for d in figures if d["episodes"]
    ]
    pain = [
        Point(x_of(d["date"]), y_of(d["max_pain"]), d["date"], d["max_pain"])
        for d in figures
        if d["max_pain"] is not None
    ]
    step = 7 if span <= 45 else 14
    return ChartLayout(
        first=first,
        last=last,
        severity=severity,
        pain=pain,
        severity_runs=_runs(severity),
        pain_runs=_runs(pain),
        gridlines=[(y_of(value), str(value)) for value in range(0, SCALE_MAX + 1, 2)],
        day_labels=[(x_of(day), day_month(day)) for day in _every(last, first, step)],
        markers=[(x_of(marker.day), marker) for marker in _merged(markers) if first <= marker.day <= last],
        # Each day's marks within its own width, a point apart: at 90 days (the longest the page
        # and the PDF offer) a day is 7 points wide, and full-size marks covered their
        # neighbours' (and their hover texts).
        mark_scale=min(1, (day_width - 1) / (2 * FLAG_HALF)),
    )


def _merged(markers):
    """One red flag and one escalation marker a day: several would be drawn over each other,
    with only the top one's reason to read. An escalation marker takes its most pressing level."""
    by_day = {}
    for marker in markers:
        by_day.setdefault((marker.day, marker.kind == "red_flag"), []).append(marker)
    return [
        replace(
            day[0],
            label="; ".join(dict.fromkeys(marker.label for marker in day)),  # each reason once, in order
            kind=max((marker.kind for marker in day), key=lambda kind: LEVEL_RANKS.get(kind, -1)),
        )
        for day in by_day.values()
    ]


def _every(last, first, step):
    """Label days counted back from the last, so that today always has a label."""
    days, day = [], last
    while day >= first:
        days.append(day)
        day -= timedelta(days=step)
    return reversed(days)


def _runs(points):
    runs, run = [], []
    for point in points:
        if run and (point.day - run[-1].day).days != 1:
            runs.append(run)
            run = []
        run.append(point)
    return runs + [run] if run else runs


def chart_svg(layout, *, title):
    """The chart as inline SVG: no script, no external file, readable by a screen reader."""
    c, out = COLOURS, []
    dot_radius, pain_half, flag_half = layout.dot_radius, layout.pain_half, layout.flag_half
    add = out.append
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        'class="severity-chart" aria-labelledby="chart-title chart-desc" '
        f'style="max-width:{WIDTH}px;font:11px sans-serif">'
    )
    add(f'<title id="chart-title">{escape(title)}</title>')
    add(
        f'<desc id="chart-desc">{len(layout.severity)} logged days '
        f"from {day_words(layout.first)} to {day_words(layout.last)}. "
        "Solid line: highest severity of each day. Dashed line: highest pain. "
        "Triangles above: red flags. Vertical lines: escalations.</desc>"
    )
    add(f'<rect class="paper" width="{WIDTH}" height="{HEIGHT}" fill="{c["paper"]}"/>')
    middle = (layout.top + layout.bottom) / 2
    add(  # the scale's name, up the left edge
        f'<text x="10" y="{middle}" transform="rotate(-90 10 {middle})" text-anchor="middle" '
        f'fill="{c["axis"]}">{SCALE_NAME}</text>'
    )
    for y, label in layout.gridlines:
        add(f'<line x1="{layout.left}" y1="{y}" x2="{layout.right}" y2="{y}" stroke="{c["grid"]}" stroke-width="1"/>')
        add(f'<text x="{layout.left - 6}" y="{y + 4}" text-anchor="end" fill="{c["axis"]}">{label}</text>')
    for x, label in layout.day_labels:
        add(f'<text x="{x}" y="{layout.bottom + 18}" text-anchor="middle" fill="{c["axis"]}">{escape(label)}</text>')
    for x, marker in layout.markers:
        colour = c.get(marker.kind, c["info"])
        tip = f"{day_month(marker.day)}: {marker.label}"
        if marker.kind == "red_flag":
            points = f"{x - flag_half:g},{layout.top - 14} {x + flag_half:g},{layout.top - 14} {x},{layout.top - 3}"
            add(f'<polygon class="red-flag" points="{points}" fill="{colour}"><title>{escape(tip)}</title></polygon>')
        else:
            add(
                f'<line class="escalation" x1="{x}" y1="{layout.top}" x2="{x}" y2="{layout.bottom}" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="2 3"><title>{escape(tip)}</title></line>'
            )
    for run in layout.pain_runs:
        if len(run) > 1:
            add(
                f'<polyline points="{_coords(run)}" fill="none" stroke="{c["pain"]}" '
                'stroke-width="1.5" stroke-dasharray="5 3"/>'
            )
    for run in layout.severity_runs:
        if len(run) > 1:
            add(f'<polyline points="{_coords(run)}" fill="none" stroke="{c["severity"]}" stroke-width="2"/>')
    for p in layout.severity:
        add(
            f'<circle class="severity-point" data-date="{p.day.isoformat()}" cx="{p.x}" cy="{p.y}" r="{dot_radius:g}" '
            f'fill="{c["severity"]}"><title>{day_month(p.day)}: severity {p.value}</title></circle>'
        )
    for p in layout.pain:  # an open square over the dot: a day's pain equal to its severity still shows
        add(
            f'<rect class="pain-point" data-date="{p.day.isoformat()}" x="{p.x - pain_half:g}" y="{p.y - pain_half:g}" '
            f'width="{2 * pain_half:g}" height="{2 * pain_half:g}" fill="none" stroke="{c["pain"]}" stroke-width="1.5">'
            f"<title>{day_month(p.day)}: pain {p.value}</title></rect>"
        )
    add(
        f'<line x1="{layout.left}" y1="{layout.bottom}" x2="{layout.right}" y2="{layout.bottom}" stroke="{c["axis"]}"/>'
    )
    add("</svg>")
    return mark_safe("".join(out))  # every text from data above went through escape()


def _coords(points):
    return " ".join(f"{p.x},{p.y}" for p in points)
