"""Demo checkpoints: two organisations and their login (`demo-to-chuc`), permits in every state for
made-up staff (some awaiting the commune officer's decision), three Hà Nội checkpoints with `demo-chot`
as officer, and passages of the current shift (one of them a person under isolation, shown red)."""

from datetime import time, timedelta

from epiqr.accounts.demo import _give_demo_devices
from epiqr.accounts.models import OrgKind
from epiqr.accounts.services import user_create
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, now
from epiqr.people.models import IdentityDocument

from .models import Checkpoint, Direction, Outcome, Passage, PassageSource, Permit, PermitStatus
from .services import organisation_register, permit_claim, permit_revoke, permits_decide

ORGANISATIONS = (
    ("Công ty TNHH Vận tải Sông Hồng", "0101234567"),
    ("Bệnh viện Đa khoa Phố Cổ", "0107654321"),
)
CHECKPOINTS = (
    ("phap-van", "Chốt cửa ngõ Pháp Vân – Cầu Giẽ", "gateway", None, None),
    ("nhat-tan", "Chốt cầu Nhật Tân", "gateway", time(6), time(22)),
    ("hang-bai", "Chốt phố Hàng Bài", "border", None, None),
)
PLATES = ("29A12345", "30F67890", "29C11223", "", "", "29H45678")


def populate(world: dict) -> None:
    rng = world["rng"]
    home = world["home_commune"]
    officer = world["users"].get("demo-xa")
    orgs = [
        organisation_register(name=n, tax_code=t, commune_id=home.code, address="Phường Hoàn Kiếm")
        for n, t in ORGANISATIONS
    ]
    applicant = user_create(
        username="demo-to-chuc",
        password=world["password"],
        role=Role.ORGANISATION,
        full_name="Lê Thu Trang",
        org_kind=OrgKind.ORGANISATION,
        org_id=orgs[0].pk,
    )
    world["users"]["demo-to-chuc"] = applicant
    _give_demo_devices([applicant])

    adults = [
        p for p in world.get("people", []) if p.birth_year and 20 <= local_today().year - p.birth_year <= 60
    ][:200]
    numbers = dict(
        IdentityDocument.objects.filter(person__in=adults, kind="cccd").values_list("person_id", "number")
    )
    staff = [p for p in adults if p.pk in numbers][:40]
    ids = {p.pk: numbers[p.pk] for p in staff}
    today = local_today()
    permits = []
    for i, person in enumerate(staff):
        start = today - timedelta(days=rng.randrange(0, 5))
        permits.append(
            Permit(
                organisation=orgs[i % 2],
                commune=home,
                holder_id_number=ids[person.pk],
                holder_name=person.full_name,
                holder_phone=person.phone,
                purpose=1 if i % 2 == 0 else 2,
                valid_from=start,
                valid_until=start + timedelta(days=rng.choice((13, 20, 27))),
                weekdays=0b0011111 if i % 3 else 0b1111111,
                start_minute=0 if i % 4 == 0 else 5 * 60,
                end_minute=1440 if i % 4 == 0 else 22 * 60,
                area_provinces=[home.province_id],
                plate=PLATES[i % len(PLATES)],
                applied_by=applicant,
            )
        )
    Permit.objects.bulk_create(permits)
    permits = list(Permit.objects.filter(organisation__in=orgs).order_by("id"))
    if officer is not None and permits:
        # Most approved, a few refused, the newest still waiting for the demo commune officer.
        waiting = permits[-8:]
        refused = permits[-11:-8]
        approve = [p.pk for p in permits[:-11]]
        permits_decide(actor=officer, permit_ids=approve, approve=True)
        permits_decide(
            actor=officer,
            permit_ids=[p.pk for p in refused],
            approve=False,
            reason="Không thuộc diện được đi lại",
        )
        if approve:
            permit_revoke(actor=officer, permit_id=approve[-1], reason="Nhân viên đã nghỉ việc")
        del waiting
    checkpoints = [
        Checkpoint.objects.create(
            code=code, name=name, kind=kind, commune=home, opens_at=opens, closes_at=closes
        )
        for code, name, kind, opens, closes in CHECKPOINTS
    ]
    chot = world["users"].get("demo-chot")
    if chot is not None:
        for c in checkpoints:
            c.officers.add(chot)
    _passages(world, checkpoints, chot)
    world["checkpoints"] = checkpoints
    world["logins"].append(
        ("demo-to-chuc", world["password"], "movement permits of the organisation: /checkpoints/permits/")
    )
    world["logins"].append(
        ("demo-chot", world["password"], "the checkpoint phone page: /checkpoints/station/")
    )


def _id_of(person) -> str:
    return next((d.number for d in person.documents.filter(kind__in=("cccd", "cmnd"))), "")


def _passages(world: dict, checkpoints: list[Checkpoint], chot) -> None:
    """The shift so far at the first checkpoint: permits scanned in the last hours, mostly valid."""
    rng = world["rng"]
    approved = list(Permit.objects.filter(status=PermitStatus.APPROVED).order_by("id")[:30])
    revoked = Permit.objects.filter(status=PermitStatus.REVOKED).first()
    current = now()
    rows = []
    for i, permit in enumerate(approved):
        claim = permit_claim(permit)
        rows.append(
            Passage(
                checkpoint=checkpoints[i % 2],
                officer=chot,
                at=current - timedelta(minutes=5 + 9 * i),
                direction=Direction.IN if i % 3 else Direction.OUT,
                plate=claim.plate,
                outcome=Outcome.VALID,
                permit_serial=permit.pk,
                holder_id_number=permit.holder_id_number,
                holder_name=claim.holder_name,
                source=PassageSource.PHONE,
            )
        )
    if revoked is not None:
        rows.append(
            Passage(
                checkpoint=checkpoints[0],
                officer=chot,
                at=current - timedelta(minutes=33),
                direction=Direction.IN,
                outcome=Outcome.NOT_VALID,
                reasons=["revoked"],
                permit_serial=revoked.pk,
                holder_id_number=revoked.holder_id_number,
                holder_name=permit_claim(revoked).holder_name,
                source=PassageSource.PHONE,
            )
        )
    # Someone with an active case and an ID card on file, stopped at the gateway.
    person = next((c.person for c in world.get("cases") or [] if _id_of(c.person)), None)
    if person is not None:
        rows.append(
            Passage(
                checkpoint=checkpoints[0],
                officer=chot,
                at=current - timedelta(minutes=rng.randrange(40, 90)),
                direction=Direction.OUT,
                outcome=Outcome.NOT_VALID,
                reasons=["active_case"],
                holder_id_number=_id_of(person),
                holder_name=person.full_name,
                alert=True,
                source=PassageSource.PHONE,
            )
        )
    Passage.objects.bulk_create(rows)
