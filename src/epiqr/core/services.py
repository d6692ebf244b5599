from typing import Any

from .models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    reason: str = "",
    row_count: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event; `target` is any model instance (or None)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason[:500],
        row_count=row_count,
        detail=detail or {},
    )
