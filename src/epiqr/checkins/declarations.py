"""Health declarations: a person's own declaration, flagged for the commune when it names symptoms or
exposure, and the officer's follow-up call."""

from epiqr.accounts.models import User
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.timeutil import now
from epiqr.people.services import person_find

from .models import HealthDeclaration


def declaration_submit(*, data: dict, actor: User | None = None) -> HealthDeclaration:
    """Store a validated declaration (see forms.DeclarationForm); flag it when symptoms or exposure."""
    person = None
    for ident in (data.get("id_number"), data.get("phone")):
        if ident and person is None:
            try:
                person = person_find(identifier=ident)
            except (NotFound, Invalid):  # not registered, a passport, or a phone shared by a family
                person = None
    fields = {f.name for f in HealthDeclaration._meta.get_fields()}
    values = {k: v for k, v in data.items() if k in fields and k not in ("commune",)}
    declaration = HealthDeclaration(
        **values,
        commune_id=data["commune"].pk if hasattr(data["commune"], "pk") else data["commune"],
        person=person,
        flagged=bool(data.get("symptoms") or data.get("exposures")),
    )
    declaration.save()
    return declaration


def declaration_follow_up(
    *, declaration: HealthDeclaration, actor: User | None, note: str = ""
) -> HealthDeclaration:
    """The commune officer has called the person: the declaration leaves the follow-up list."""
    declaration.followed_up_at = now()
    declaration.followed_up_by = actor
    declaration.follow_up_note = (note or "").strip()[:500]
    declaration.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
    return declaration
