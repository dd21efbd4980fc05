"""What a patient brings to a visit: a PDF summary and a CSV of every record.

Both are plain functions of a user; the API (for the patient) and the admin (for a
clinician) only send what these return.
"""

import csv
import io
from xml.sax.saxutils import escape

from django.template.defaultfilters import floatformat  # as the page rounds
from django.utils import timezone
from reportlab.graphics.shapes import Circle as Dot
from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from careteam.chart import COLOURS, HEIGHT, SCALE_NAME, WIDTH, chart_layout
from careteam.selectors import patient_summary
from careteam.wording import WORSE_DAYS_COUNTED, patient_time
from guidance.models import NOT_A_PROFESSIONAL
from heeljournal.dates import day_words
from heeljournal.enums import EscalationLevel
from tracking.models import Activity, Episode, Escalation, Footwear, JournalEntry
from tracking.serializers import EpisodeSerializer

# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "kind",  # footwear, episode, activity, journal or escalation
    "id",
    "date",
    "started_at",
    "started_local",  # started_at on the patient's clock, beside its local date; the zone in `timezone`
    "timezone",
    "duration_minutes",
    "side",
    "locations",
    "sensations",
    "severity",
    "pain",
    "radiates_from_back",
    "sudden_onset",
    "foot_weakness",
    "bowel_bladder_change",
    "footwear",
    "activity",
    "name",
    "footwear_kind",
    "arch_support",
    "cushioning",
    "orthotic_insert",
    "retired",
    "overall",
    "relief_measures",
    "level",
    "reason",
    "title",
    "state",
    "acknowledged_at",
    "closed_at",
    "notes",
    "created_at",
    "updated_at",
]

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as text that a spreadsheet shows and never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def records_csv(*, user):
    """Every live record of `user`, one row each, oldest first within each kind."""
    names = dict(Footwear.with_tombstones.filter(user=user).values_list("id", "name"))  # a deleted shoe keeps its name
    rows = []
    for shoe in Footwear.objects.filter(user=user).order_by("created_at"):
        rows.append(_row(shoe, "footwear", name=shoe.name, footwear_kind=shoe.kind, **_values(shoe, FOOTWEAR_FIELDS)))
    for episode in Episode.objects.filter(user=user).order_by("started_at"):
        footwear = names.get(episode.footwear_id)
        values = {**_values(episode, EPISODE_FIELDS), "footwear": footwear, **_local(episode, user)}
        rows.append(_row(episode, "episode", date=episode.local_date, **values))
    for activity in Activity.objects.filter(user=user).order_by("started_at"):
        footwear = names.get(activity.footwear_id)
        values = _values(activity, ("started_at", "duration_minutes", "notes"))
        values |= {"activity": activity.kind, "footwear": footwear, **_local(activity, user)}
        rows.append(_row(activity, "activity", date=activity.local_date, **values))
    for entry in JournalEntry.objects.filter(user=user).order_by("date"):
        rows.append(_row(entry, "journal", **_values(entry, ("date", "overall", "relief_measures", "notes"))))
    for escalation in Escalation.objects.filter(user=user).order_by("created_at"):
        values = _values(escalation, ("level", "reason", "title", "state", "acknowledged_at", "closed_at"))
        rows.append(_row(escalation, "escalation", date=user.local_date(escalation.created_at), **values))
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark: Excel reads the file as UTF-8 only with it (accents, emoji)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([spreadsheet_safe(row.get(column)) for column in CSV_COLUMNS] for row in rows)
    return out.getvalue()


FOOTWEAR_FIELDS = ("arch_support", "cushioning", "orthotic_insert", "retired")
# What the patient logged of an episode: the API's fields less the server's and the links.
EPISODE_FIELDS = tuple(
    name
    for name in EpisodeSerializer.Meta.fields
    if name not in {"id", "created_at", "updated_at", "footwear", "escalation"}
)


def _local(record, user):
    """An episode's or activity's start as the patient lived it (in UTC an evening is the next
    day), with its offset: the two 1:30s of the night the clocks go back differ."""
    local = record.started_at.astimezone(user.zone).isoformat(timespec="minutes")
    return {"started_local": local, "timezone": user.timezone}


def _values(record, names):
    return {name: getattr(record, name) for name in names}


def _row(record, kind, **values):
    return {"kind": kind, "id": record.id, "created_at": record.created_at, "updated_at": record.updated_at, **values}


# --- PDF ---------------------------------------------------------------------------------------


def report_pdf(*, user, days=90, today=None):
    """The summary a patient brings to a visit: chart, patterns, red flags, escalations."""
    summary = patient_summary(patient=user, days=days, today=today)
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Italic"]
    story = [
        Paragraph("HeelJournal summary", styles["Title"]),
        Paragraph(
            f"{_text(user.email)}: the last {summary.days} days, {day_words(summary.first)} to "
            f"{day_words(summary.last)}. Made {_text(patient_time(timezone.now(), user))}.",
            body,
        ),
        Paragraph(_text(NOT_A_PROFESSIONAL), small),
        Spacer(1, 4 * mm),
        _table(
            [
                ["Days with an episode", f"{len(summary.logged_days)} of {summary.days}"],
                ["Episodes", summary.episode_count],
                ["Mean daily severity (each logged day's worst, 0-10)", _or_dash(summary.mean_daily_severity)],
                ["Highest severity", _or_dash(summary.highest_severity)],
                ["Episodes with a red flag", len(summary.red_flag_episodes)],
                ["Open escalations", len(summary.open_escalations)],
            ]
        ),
        Paragraph("Severity and pain by day", styles["Heading2"]),
        _chart_drawing(summary),
        Paragraph(
            "Solid line and dots: highest severity of the day. Dashed line and open squares: highest pain. "
            "Red triangles: red flags. Days without an entry are gaps. Vertical lines: escalations, by level: "
            + ", ".join(f'<font color="{COLOURS[level]}"><b>{level.label}</b></font>' for level in EscalationLevel)
            + ".",
            small,
        ),
        Paragraph("Patterns", styles["Heading2"]),
        _table(
            [
                ["Side", _counts(summary.sides)],
                ["Where on the heel", _counts(summary.locations)],
                ["How it felt", _counts(summary.sensations)],
            ]
        ),
    ]
    context = [[f"Footwear: {item['name']}", _comparison(item)] for item in summary.footwear]
    context += [[f"Activity: {item['label']}", _comparison(item)] for item in summary.activities]
    if context:
        story += [
            Paragraph("What goes with worse days", styles["Heading3"]),
            _table(context),
            Paragraph(WORSE_DAYS_COUNTED, small),
        ]
    story.append(Paragraph("Red flags", styles["Heading2"]))
    if summary.red_flag_episodes:
        story.append(
            _table(
                [["Date", "Severity", "Red flag"]]
                + [
                    [day_words(e.local_date), e.severity, ", ".join(e.red_flag_labels)]
                    for e in summary.red_flag_episodes
                ],
                header=True,
            )
        )
    else:
        story.append(Paragraph("None logged in this period.", body))
    story.append(Paragraph("Escalations", styles["Heading2"]))
    escalations = summary.open_escalations + summary.past_escalations
    if not escalations:
        story.append(Paragraph("None so far.", body))
    for escalation in escalations:
        state = escalation.state + (f" {day_words(escalation.closed_day)}" if escalation.closed_day else "")
        story.append(
            Paragraph(
                f"<b>{_text(escalation.get_level_display())}: {_text(escalation.get_reason_display())}</b>. "
                f"Opened {day_words(escalation.local_day)}; {_text(state)}.",
                body,
            )
        )
        story.append(Paragraph(_text(" ".join(escalation.evidence_lines)), small))
    out = io.BytesIO()
    margins = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 16 * mm, "bottomMargin": 18 * mm}
    document = SimpleDocTemplate(out, pagesize=A4, title="HeelJournal summary", author="HeelJournal", **margins)
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _footer(canvas, document):
    canvas.saveState()
    canvas.setFont("Helvetica-Oblique", 7.5)
    canvas.drawString(document.leftMargin, 10 * mm, f"{NOT_A_PROFESSIONAL}  Page {document.page}")
    canvas.restoreState()


def _text(value):
    return escape(str(value))  # Paragraph reads markup: what a user typed must stay text


def _or_dash(value):
    return "-" if value is None else value


def _counts(pairs):
    return ", ".join(f"{label} {count}" for label, count in pairs) or "-"


def _comparison(item):
    return (
        f"mean severity {floatformat(item['mean_severity_with'], 1)} on {item['days_with']} days with it, "
        f"{floatformat(item['mean_severity_without'], 1)} on {item['days_without']} days without"
    )


def _table(rows, header=False):
    styles = getSampleStyleSheet()
    cells = [[Paragraph(_text(cell), styles["BodyText"]) for cell in row] for row in rows]
    table = Table(cells, colWidths=None, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bfbfbf")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


# The chart is drawn at about two thirds of its size to fit the page: its labels at 7.5 pt.
LABEL_SIZE = 11


def _chart_drawing(summary):
    """The admin page's chart layout, drawn with reportlab shapes (y runs upwards here)."""
    layout = chart_layout(figures=summary.figures, markers=summary.markers)
    c = {name: colors.HexColor(value) for name, value in COLOURS.items()}

    def up(y):
        return HEIGHT - y

    middle = up((layout.top + layout.bottom) / 2)
    scale_name = String(0, 0, SCALE_NAME, fontSize=LABEL_SIZE, textAnchor="middle", fillColor=c["axis"])
    shapes = [Group(scale_name, transform=(0, 1, -1, 0, 10, middle))]  # up the left edge, as on the page
    for y, label in layout.gridlines:
        shapes.append(Line(layout.left, up(y), layout.right, up(y), strokeColor=c["grid"], strokeWidth=0.5))
        shapes.append(
            String(layout.left - 6, up(y) - 4, label, fontSize=LABEL_SIZE, textAnchor="end", fillColor=c["axis"])
        )
    for x, label in layout.day_labels:
        shapes.append(
            String(x, up(layout.bottom + 16), label, fontSize=LABEL_SIZE, textAnchor="middle", fillColor=c["axis"])
        )
    flag_half = layout.flag_half
    for x, marker in layout.markers:
        colour = c.get(marker.kind, c["info"])
        if marker.kind == "red_flag":
            points = [x - flag_half, up(layout.top - 14), x + flag_half, up(layout.top - 14), x, up(layout.top - 3)]
            shapes.append(Polygon(points, fillColor=colour, strokeColor=colour))
        else:
            shapes.append(
                Line(
                    x, up(layout.top), x, up(layout.bottom), strokeColor=colour, strokeWidth=1.5, strokeDashArray=[2, 3]
                )
            )
    for run in layout.pain_runs:
        if len(run) > 1:
            shapes.append(PolyLine(_flat(run, up), strokeColor=c["pain"], strokeWidth=1.2, strokeDashArray=[5, 3]))
    for run in layout.severity_runs:
        if len(run) > 1:
            shapes.append(PolyLine(_flat(run, up), strokeColor=c["severity"], strokeWidth=1.8))
    for p in layout.severity:
        shapes.append(Dot(p.x, up(p.y), layout.dot_radius, fillColor=c["severity"], strokeColor=None))
    half = layout.pain_half
    for p in layout.pain:  # over the dot, as on the patient page
        shapes.append(Rect(p.x - half, up(p.y) - half, 2 * half, 2 * half, fillColor=None, strokeColor=c["pain"]))
    shapes.append(Line(layout.left, up(layout.bottom), layout.right, up(layout.bottom), strokeColor=c["axis"]))
    scale = (A4[0] - 36 * mm) / WIDTH
    drawing = Drawing(WIDTH * scale, HEIGHT * scale)
    drawing.add(Group(*shapes, transform=(scale, 0, 0, scale, 0, 0)))
    return drawing


def _flat(points, up):
    return [coordinate for p in points for coordinate in (p.x, up(p.y))]
