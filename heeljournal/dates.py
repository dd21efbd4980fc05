"""A date in words, as every page, PDF, chart and alert history writes it: "5 Nov 2026".

Templates write the same with Django's date filter as "j M Y".
"""


def day_words(day):
    return f"{day.day} {day:%b %Y}"


def day_month(day):
    """Within a span the reader already knows the year of (a chart's axis)."""
    return f"{day.day} {day:%b}"
