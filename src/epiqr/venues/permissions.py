"""Capabilities of the venue registry. Which venues a holder may act on is decided by `selectors`."""

from epiqr.core.permissions import Role, capability

OFFICERS = [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]

VIEW = capability(
    "venues.view",
    "Xem địa điểm trong phạm vi của mình (chủ: địa điểm của mình; cán bộ: địa bàn)",
    [Role.VENUE_OWNER, Role.VENUE_STAFF, *OFFICERS],
)
MANAGE_OWN = capability(
    "venues.manage_own",
    "Đăng ký, sửa địa điểm của mình và in lại áp phích (thu hồi áp phích cũ)",
    [Role.VENUE_OWNER],
)
REGISTER = capability(
    "venues.register",
    "Đăng ký, sửa địa điểm và thu hồi áp phích trong địa bàn phụ trách",
    OFFICERS,
)
IMPORT = capability("venues.import", "Nhập hàng loạt địa điểm từ tệp Excel/CSV", OFFICERS)
PRINT = capability(
    "venues.print",
    "Tải và in áp phích mã QR của địa điểm trong phạm vi",
    [Role.VENUE_OWNER, Role.VENUE_STAFF, *OFFICERS],
)
