from datetime import date

from django.db import transaction

from epiqr.core.errors import Conflict, Invalid
from epiqr.core.services import audit_record
from epiqr.core.timeutil import local_today

from .models import Case, CaseStatus


@transaction.atomic
def case_open(
    *,
    person,
    confirmed_on: date,
    onset_on: date | None = None,
    sample_on: date | None = None,
    source: str = "manual",
    opened_by=None,
) -> Case:
    """Open an F0 case for a person; a person has at most one active case."""
    if confirmed_on > local_today():
        raise Invalid("Ngày xác định không thể ở tương lai.", field="confirmed_on")
    for field, value in (("onset_on", onset_on), ("sample_on", sample_on)):
        if value and value > confirmed_on:
            raise Invalid("Ngày khởi phát/lấy mẫu phải trước ngày xác định.", field=field)
    if Case.objects.select_for_update().filter(person=person, status=CaseStatus.ACTIVE).exists():
        raise Conflict("Người này đã là ca bệnh đang theo dõi.", code="already_case")
    case = Case.objects.create(
        person=person,
        confirmed_on=confirmed_on,
        onset_on=onset_on,
        sample_on=sample_on,
        source=source,
        commune_id=person.commune_id,
        opened_by=opened_by if getattr(opened_by, "is_authenticated", False) else None,
    )
    audit_record(actor=opened_by, action="case.open", target=case, detail={"source": source})
    return case
