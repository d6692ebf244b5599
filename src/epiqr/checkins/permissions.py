from epiqr.core.permissions import Role, capability

SCAN = capability(
    "checkins.scan",
    "Chạy trạm quét và tải lên lô quét ngoại tuyến tại địa điểm của mình",
    [Role.VENUE_OWNER, Role.VENUE_STAFF, Role.CHECKPOINT_OFFICER],
)
VIEW_VENUE_STATS = capability(
    "checkins.view_venue_stats",
    "Xem số lượt quét theo giờ và ước tính số người đang có mặt tại địa điểm của mình",
    [Role.VENUE_OWNER, Role.VENUE_STAFF],
)
VIEW_VISITORS = capability(
    "checkins.view_visitors",
    "Xem danh sách khách đã quét tại địa điểm của mình (trong thời hạn lưu giữ)",
    [Role.VENUE_OWNER],
)
FOLLOW_UP = capability(
    "checkins.follow_up",
    "Xem tờ khai y tế cần theo dõi và địa điểm có lượt quét hôm nay trong địa bàn",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
    personal_data=True,
)
