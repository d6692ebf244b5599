"""Capabilities of case records. Which cases a holder sees is decided by the jurisdiction (selectors)."""

from epiqr.core.permissions import Role, capability

OFFICERS = [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]

VIEW = capability("cases.view", "Xem ca bệnh (F0) trong địa bàn phụ trách", OFFICERS, personal_data=True)
OPEN = capability("cases.open", "Mở ca bệnh (F0) cho một người trong địa bàn", OFFICERS)
OVERRIDE_PERIOD = capability(
    "cases.override_period", "Sửa thời kỳ lây nhiễm của ca bệnh (có ghi lý do)", OFFICERS
)
CANCEL = capability("cases.cancel", "Huỷ ca bệnh mở nhầm (có ghi lý do, được ghi nhật ký)", OFFICERS)
