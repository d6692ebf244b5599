from .models import Case, CaseStatus


def person_active_case(*, person_id: int) -> Case | None:
    return Case.objects.filter(person_id=person_id, status=CaseStatus.ACTIVE).first()
