from epiqr.core.permissions import Role, capability

MANAGE_USERS = capability(
    "accounts.manage_users", "Tạo và sửa tài khoản, vai trò, phạm vi", [Role.ADMIN], personal_data=True
)
