from epiqr.core.permissions import Role, capability

SAMPLE = capability(
    "testing.sample",
    "Lập phiên lấy mẫu, ghép ống mẫu với người được lấy mẫu",
    [Role.SAMPLER, Role.COMMUNE_OFFICER],
    personal_data=True,
)
RESULT = capability(
    "testing.result",
    "Nhập, nhập tệp và đính chính kết quả xét nghiệm",
    [Role.LAB_TECH],
    personal_data=True,
)
VIEW = capability(
    "testing.view",
    "Xem phiên lấy mẫu, ống mẫu, kết quả và thống kê xét nghiệm trong phạm vi quản lý",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER, Role.LAB_TECH],
    personal_data=True,
)
RECALL = capability(
    "testing.recall",
    "Xem danh sách người cần lấy mẫu lại (gộp dương tính, mẫu hỏng)",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER],
    personal_data=True,
)
