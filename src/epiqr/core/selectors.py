from .models import AuditEvent


def audit_list_for(*, target) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)))
