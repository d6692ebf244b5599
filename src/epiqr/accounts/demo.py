"""Demo staff accounts, one per role, scoped to Hà Nội and its Phường Hoàn Kiếm."""

from epiqr.core.permissions import Role
from epiqr.geo.models import Commune, Province

from .services import user_create


def populate(world: dict) -> None:
    province = Province.objects.get(code=1)
    communes = list(Commune.objects.filter(province=province).order_by("code"))
    home = next(c for c in communes if c.name == "Phường Hoàn Kiếm")
    world.update(province=province, communes=communes, home_commune=home, users={})
    password = world["password"]
    user_create(username="admin", password=password, role=Role.ADMIN, full_name="Quản trị viên")
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
