from epiqr.core.permissions import Role, capability

VIEW_OUTBOX = capability(
    "notify.view_outbox",
    "Xem hộp thư đi: tin nhắn đã gửi và gửi lỗi",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
