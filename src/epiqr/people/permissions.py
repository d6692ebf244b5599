from epiqr.core.permissions import Role, capability

VIEW = capability(
    "people.view",
    "Tra cứu và xem hồ sơ người dân trong địa bàn",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.HOTLINE_OPERATOR],
    personal_data=True,
)
EDIT = capability(
    "people.edit",
    "Đăng ký, sửa hồ sơ người dân và in mã QR cá nhân",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER],
)
SCAN = capability(
    "people.scan",
    "Quét CCCD, thẻ BHYT, mã QR cá nhân tại điểm quét",
    [
        Role.VENUE_OWNER,
        Role.VENUE_STAFF,
        Role.SAMPLER,
        Role.LAB_TECH,
        Role.VACCINATOR,
        Role.CHECKPOINT_OFFICER,
        Role.COMMUNE_OFFICER,
        Role.PROVINCE_OFFICER,
    ],
)
VERIFY_DEVICE = capability(
    "people.verify_device",
    "Xác minh điện thoại của người dân bằng thẻ CCCD gắn chip (đối chiếu ảnh trên thẻ với người trình thẻ)",
    [Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.SAMPLER],
    personal_data=True,  # it opens a person's records to a phone: the worker must hold a second factor
)
