"""Navigation shown in the base template: only the entries the user's capabilities open."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import has_capability

# (label, url name, capability or None for any logged-in user). Domains append to NAV in their apps.
NAV: list[tuple[str, str, str | None]] = []
LAST: list[tuple[str, str, str | None]] = []
# role -> url name of the page a user of that role lands on after logging in (domains register theirs).
LANDING: dict[str, str] = {}


def nav_item(label, url_name: str, capability: str | None = None, *, last: bool = False) -> None:
    """Add an entry to the navigation, in the order of the domain list (the apps' ready() order).
    `last` entries (tools rather than a domain's work: the outbox, core's jobs) come after every other,
    the upper domain's first, so core's own pages close the menu."""
    (LAST if last else NAV).append((label, url_name, capability))


def landing(role: str, url_name: str) -> None:
    """Where users of `role` land after logging in (their work), instead of the start page. A domain
    registers its role's page in its AppConfig.ready() (care: the facility coordinator's /care/)."""
    LANDING[role] = url_name


def landing_url(user, default: str) -> str:
    """The page `user` lands on after logging in: their role's registered page, else `default`."""
    url_name = LANDING.get(getattr(user, "role", ""))
    if url_name is not None:
        try:
            return reverse(url_name)
        except NoReverseMatch:
            pass
    return reverse(default)


def nav(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for label, url_name, cap in NAV + LAST[::-1]:
            if cap is None or has_capability(user, cap):
                try:
                    url = reverse(url_name)
                except NoReverseMatch:
                    continue
                items.append({"label": label, "url": url, "current": False})
        # The entry whose address is the longest prefix of this page's is the one being shown.
        here = [i for i in items if request.path.startswith(i["url"])]
        if here:
            max(here, key=lambda i: len(i["url"]))["current"] = True
    return {"nav_items": items, "site_name": _("EpiQR")}
