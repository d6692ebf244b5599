"""What care tells the others (epiqr.core.events; the hotline reacts to the two alerts)."""

from epiqr.core.events import Event

CARE_WARNING = Event(
    "care_warning",
    fields=("person_id", "case_id", "reason", "severity"),
    when="An F0 cared for at home reported a warning sign or a low SpO2 (reason in words; severity "
    "0 asymptomatic .. 4 critical): a routing was proposed and the commune officers told.",
)
CARE_REPORT_MISSED = Event(
    "care_report_missed",
    fields=("person_id", "case_id", "slot"),
    when="An F0 at home missed a twice-daily self-report (slot 'YYYY-MM-DD am|pm'), flagged once by the "
    "scheduler.",
)
PATIENT_MOVED = Event(
    "patient_moved",
    fields=("patient_id", "case_id", "from_status", "to_status", "facility_id"),
    when="A patient's care status changed (admitted, transferred, at home, recovered, deceased): the "
    "beds of the facility changed with it (capacity read models recount).",
)
