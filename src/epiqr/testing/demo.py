"""Demo testing data in Phường Hoàn Kiếm: a pooled screening yesterday (one positive pool, one invalid
tube), the individual retest of that pool today with one confirmed positive, and an open session for
the sampling technician to try the station."""

from datetime import timedelta

from epiqr.core.timeutil import local_today

from . import services, slipcode
from .models import TestKind

POOLS = 12


def populate(world: dict) -> None:
    home = world["home_commune"]
    sampler = world["users"]["demo-lay-mau"]
    lab = world["users"]["demo-xet-nghiem"]
    residents = [p for p in world.get("people", []) if p.commune_id == home.pk]
    today = local_today()
    station = services.site_create(
        name="Trạm Y tế Phường Hoàn Kiếm", address="Số 1 Phố Hàng Bạc", commune_id=home.pk, actor=sampler
    )
    yard = services.site_create(
        name="Nhà văn hóa tổ dân phố Hàng Đào",
        address="Số 10 Phố Hàng Đào",
        commune_id=home.pk,
        actor=sampler,
    )
    screening = services.session_create(
        site=yard,
        team="Tổ lấy mẫu số 1",
        day=today - timedelta(days=1),
        kind=TestKind.PCR_POOLED,
        pool_size_limit=10,
        expected_prevalence=0.01,
        actor=sampler,
    )
    pools_people = residents[: POOLS * 10]
    tubes = []
    for n in range(min(POOLS, len(pools_people) // 10)):
        tube = services.tube_open(session=screening, barcode=f"HK-{today:%y%m%d}-{n + 1:04d}", actor=sampler)
        for person in pools_people[n * 10 : n * 10 + 10]:
            services.tube_member_add(tube=tube, person=person, actor=sampler)
        tubes.append(services.tube_close(tube=tube, actor=sampler))
    if len(tubes) < 3:
        return
    positive_pool, invalid = tubes[2], tubes[5 % len(tubes)]
    rows = [
        services.ResultRow(
            barcode=t.barcode,
            value="positive" if t == positive_pool else "invalid" if t == invalid else "negative",
            ct="27.5" if t == positive_pool else None,
            line=i + 1,
        )
        for i, t in enumerate(tubes[:-2])  # the last two tubes are still at the lab
    ]
    services.results_import(rows=rows, actor=lab)

    retest = services.session_create(
        site=station, team="Tổ lấy mẫu số 2", day=today, kind=TestKind.PCR_SINGLE, actor=sampler
    )
    singles = []
    for n, member in enumerate(positive_pool.members.select_related("person")[:4]):
        tube = services.tube_open(session=retest, barcode=f"HK-LE-{today:%y%m%d}-{n + 1:03d}", actor=sampler)
        services.tube_member_add(tube=tube, person=member.person, actor=sampler)
        singles.append(services.tube_close(tube=tube, actor=sampler))
    for n, tube in enumerate(singles[:3]):
        services.result_record(
            tube=tube, value="positive" if n == 0 else "negative", ct="22.1" if n == 0 else None, actor=lab
        )
    services.session_create(
        site=yard,
        team="Tổ lấy mẫu số 1",
        day=today,
        kind=TestKind.PCR_POOLED,
        pool_size_limit=10,
        expected_prevalence=0.01,
        actor=sampler,
    )
    negative = tubes[0].members.order_by("id").first()
    world["testing"] = {"positive_pool": positive_pool, "retest": singles, "screening": screening}
    if negative is not None:
        world["logins"].append(
            (
                "(citizen)",
                "",
                f"/testing/result/: tube {tubes[0].barcode}, result code {slipcode.display(negative.slip_code)}",
            )
        )
