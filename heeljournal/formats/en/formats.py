# The admin's dates and times, in the words of the clinician's pages (heeljournal.dates):
# unambiguous for readers anywhere, and a time names its zone (the server's UTC; a patient's
# own times say theirs, careteam.wording.patient_time).
DATE_FORMAT = SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j M Y, H:i T"
YEAR_MONTH_FORMAT = "M Y"  # the admin's months of a year
MONTH_DAY_FORMAT = "j M"  # a day of a span whose year is known: the admin's days of a month (day_month)
