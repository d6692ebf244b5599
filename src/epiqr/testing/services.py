"""Writes of the testing domain: the public entry point (sites, sessions, tubes and their members, bulk
pairing, lab results, result lookup).

The writes live in one module per topic and are offered here, so `services` stays the one place to
look: `sampling` (sites, sessions, tubes, the station, the tube state machine), `pairing` (mass-screening
batches), `results` (lab results, corrections, arrival at the lab), `lookup` (result slips and the public
lookup), `receipts` (retried batches), `store` (SQL helpers).
"""

from .lookup import (
    LOOKUP_FAILURES,
    LOOKUP_WINDOW,
    SLIP_PROOF_TYPE,
    result_lookup,
    result_proofs_grant,
    slip_codes_ensure,
    slip_verify,
)
from .pairing import PairTube, tubes_pair_bulk
from .results import (
    ReceiveReport,
    ResultRow,
    ResultsImportReport,
    ct_parse,
    result_record,
    result_value_parse,
    results_import,
    results_mark_notified,
    tested_at_parse,
    tubes_receive,
)
from .sampling import (
    DONE_WORDS,
    MAX_POOL,
    TRANSITIONS,
    TUBE_BARCODE,
    StationStep,
    barcode_clean,
    person_from_payload,
    session_create,
    site_create,
    station_done,
    station_open_tube,
    station_scan,
    tube_close,
    tube_create,
    tube_discard_if_empty,
    tube_member_add,
    tube_member_add_scanned,
    tube_open,
    tube_transition,
)

__all__ = [
    "DONE_WORDS",
    "LOOKUP_FAILURES",
    "LOOKUP_WINDOW",
    "MAX_POOL",
    "SLIP_PROOF_TYPE",
    "TRANSITIONS",
    "TUBE_BARCODE",
    "ResultsImportReport",
    "PairTube",
    "ReceiveReport",
    "ResultRow",
    "StationStep",
    "barcode_clean",
    "ct_parse",
    "person_from_payload",
    "result_lookup",
    "result_proofs_grant",
    "result_record",
    "result_value_parse",
    "results_import",
    "results_mark_notified",
    "session_create",
    "site_create",
    "slip_codes_ensure",
    "slip_verify",
    "station_done",
    "station_open_tube",
    "station_scan",
    "tested_at_parse",
    "tube_close",
    "tube_create",
    "tube_discard_if_empty",
    "tube_member_add",
    "tube_member_add_scanned",
    "tube_open",
    "tube_transition",
    "tubes_pair_bulk",
    "tubes_receive",
]
