"""Password rules beyond Django's own validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiqr.core.permissions import needs_second_factor


class MinimumLength(MinimumLengthValidator):
    """Django's minimum length, with a message we translate (Django's Vietnamese catalogue lacks the
    current wording, so the refusal would show in English)."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.", "At least %(min_length)d characters.", self.min_length
        ) % {"min_length": self.min_length}


class StaffMinimumLength:
    """Accounts that read personal data (they need a second factor) need a longer password."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def _applies(self, user) -> bool:
        if user is None:
            return False
        role_user = _AsLoggedIn(user)
        return needs_second_factor(role_user)

    def validate(self, password: str, user=None) -> None:
        if self._applies(user) and len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "Staff who see personal data need a password of at least %(min_length)d character.",
                    "Staff who see personal data need a password of at least %(min_length)d characters.",
                    self.min_length,
                )
                % {"min_length": self.min_length},
                code="password_too_short_for_staff",
            )

    def get_help_text(self) -> str:
        return _("Staff who see personal data: at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }


class _AsLoggedIn:
    """A not-yet-saved user seen as logged in, so the role rule can be asked before it exists."""

    is_authenticated = True

    def __init__(self, user):
        self.is_superuser = getattr(user, "is_superuser", False)
        self.is_staff = getattr(user, "is_staff", False)
        self.role = getattr(user, "role", "")
