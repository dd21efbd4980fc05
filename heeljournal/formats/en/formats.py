# The admin's dates and times: unambiguous for readers anywhere, and a time names its zone
# (the server's UTC; a patient's own times say theirs, careteam.wording.patient_time).
DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
