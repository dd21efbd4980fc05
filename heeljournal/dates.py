"""Dates and times in words, as every page, PDF, chart and alert history writes them:
"5 Nov 2026", "5 Nov 2026, 09:30 CET".

Django's formats (heeljournal/formats) say the same, for the admin's own fields and the
templates' date filter (tests/test_careteam_wording.py holds them together). Written out
here: Django's formatting takes several times as long, and a sweep writes thousands of alerts.
"""


def day_words(day):
    return f"{day.day} {day:%b %Y}"


def time_words(moment):
    """`moment` on its own clock, its zone named. Not through DATETIME_FORMAT: Django leaves out
    the zone in the hour the clocks go back, the one hour its abbreviation tells apart. A zone
    without an abbreviation has its offset for one ("-03", "+0545"), which reads as "UTC-03"."""
    zone = f"{moment:%Z}"
    if zone.startswith(("+", "-")):
        zone = f"UTC{zone[:3]}:{zone[3:]}" if zone[3:] else f"UTC{zone}"
    return f"{day_words(moment)}, {moment:%H:%M} {zone}".rstrip()


def day_month(day):
    """Within a span the reader already knows the year of (a chart's axis)."""
    return f"{day.day} {day:%b}"
