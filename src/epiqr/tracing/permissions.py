"""Capabilities of contact tracing. Runs and contacts are narrowed to the jurisdiction by selectors:
a commune officer sees the contacts living in their commune, a province officer those of the province."""

from epiqr.core.permissions import Role, capability

OFFICERS = [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]

RUN = capability("tracing.run", "Chạy truy vết F1/F2 cho ca bệnh trong địa bàn", OFFICERS)
VIEW = capability(
    "tracing.view", "Xem danh sách tiếp xúc trong địa bàn phụ trách", OFFICERS, personal_data=True
)
FOLLOW_UP = capability("tracing.follow_up", "Cập nhật trạng thái theo dõi người tiếp xúc", OFFICERS)
EXPORT = capability(
    "tracing.export", "Xuất danh sách tiếp xúc (Excel, CSV) có ghi mục đích", OFFICERS, personal_data=True
)
NOTIFY = capability("tracing.notify", "Gửi tin nhắn cho người tiếp xúc", OFFICERS)
# Clusters are formed from the cases the officer may see (cases.selectors): a commune officer sees the
# venues where cases of their commune met, a province officer those of the whole province.
CLUSTERS = capability(
    "tracing.clusters",
    "Xem ổ dịch (chùm ca bệnh) trong địa bàn phụ trách",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
