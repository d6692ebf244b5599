"""Demo staff accounts, one per role, scoped to Hà Nội and its Phường Hoàn Kiếm.

Accounts that need a second factor get an authenticator key shared by all demo logins (printed by
`epiqr demo`, so one entry in an app serves the whole tour); in development the second-factor page
also shows the current code (EPIQR_DEMO_2FA_HINT, refused in production).
"""

import time
from base64 import b32encode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from epiqr.core.permissions import Role, needs_second_factor
from epiqr.geo.models import Commune, Province

from .models import User
from .services import recovery_codes_create, user_create

DEMO_DEVICE = "demo"


def populate(world: dict) -> None:
    province = Province.objects.get(code=1)
    communes = list(Commune.objects.filter(province=province).order_by("code"))
    home = next(c for c in communes if c.name == "Phường Hoàn Kiếm")
    world.update(province=province, communes=communes, home_commune=home, users={})
    password = world["password"]
    admin = user_create(username="admin", password=password, role=Role.ADMIN, full_name="Quản trị viên")
    rows = [
        ("demo-tinh", Role.PROVINCE_OFFICER, "Đỗ Thanh Tâm", {"province_id": province.code}),
        ("demo-xa", Role.COMMUNE_OFFICER, "Vũ Thị Hạnh", {"commune_id": home.code}),
        ("demo-chu-quan", Role.VENUE_OWNER, "Bùi Văn Long", {}),
        ("demo-nhan-vien", Role.VENUE_STAFF, "Ngô Thị Mai", {}),
        ("demo-lay-mau", Role.SAMPLER, "Đinh Quang Huy", {"commune_id": home.code}),
        ("demo-xet-nghiem", Role.LAB_TECH, "Lý Thị Ngọc", {"province_id": province.code}),
        ("demo-tiem-chung", Role.VACCINATOR, "Tạ Văn Khoa", {"commune_id": home.code}),
        ("demo-dieu-phoi", Role.FACILITY_COORDINATOR, "Mai Thị Lan", {"province_id": province.code}),
        ("demo-chot", Role.CHECKPOINT_OFFICER, "Hồ Văn Sơn", {"province_id": province.code}),
        ("demo-1022", Role.HOTLINE_OPERATOR, "Phan Thị Yến", {"province_id": province.code}),
    ]
    for username, role, name, scope in rows:
        world["users"][username] = user_create(
            username=username, password=password, role=role, full_name=name, **scope
        )
    _give_demo_devices([admin, *world["users"].values()])


def _give_demo_devices(users) -> None:
    key = default_key()
    for user in users:
        if needs_second_factor(user):
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE, key=key, confirmed=True)
            recovery_codes_create(user=user)


def logins_refresh(*, password: str) -> bool:
    """Demo data made before logins needed a second factor: give its logins today's password and the
    shared demo key, so `make run` on an old var/ database still tours. True if anything changed."""
    if TOTPDevice.objects.filter(name=DEMO_DEVICE).exists():
        return False
    users = list(User.objects.filter(username="admin") | User.objects.filter(username__startswith="demo-"))
    for user in users:
        user.set_password(password)
        user.save(update_fields=["password"])
    _give_demo_devices(users)
    return bool(users)


def demo_key_text(hex_key: str) -> str:
    """The key as an authenticator app wants it typed: base32 in groups of four."""
    text = b32encode(bytes.fromhex(hex_key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def demo_otp_key() -> str:
    device = TOTPDevice.objects.filter(name=DEMO_DEVICE, confirmed=True).first()
    return demo_key_text(device.key) if device else ""


def demo_current_code(*, user: User) -> str:
    """The code a demo account's app would show now ("" for any other account). Skips a time step
    already used, since a code is accepted only once."""
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE, confirmed=True).first()
    if device is None:
        return ""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"
