"""Messages of Django itself that its Vietnamese catalogue leaves in English, marked here so that
`make messages` puts them in the core catalogue, where we translate them.

Django looks a message up in every catalogue; ours answer the ones Django's own `vi` files lack
(validation errors, password rules, the admin's screen-reader and menu texts). Nothing calls this
function: it exists for `makemessages`. Each message id must match Django's exactly (curly quotes too).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext


def _django_messages() -> None:  # pragma: no cover - read by makemessages, never run
    # Forms and validators (what a person may see under a field)
    _("Enter a valid domain name.")
    _("Ensure this value is a multiple of step size %(limit_value)s.")
    _(
        "Ensure this value is a multiple of step size %(limit_value)s, starting from %(offset)s, e.g. "
        "%(offset)s, %(valid_value1)s, %(valid_value2)s, and so on."
    )
    _("File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s.")
    _("Null characters are not allowed.")
    _("“%(value)s” is not a valid UUID.")
    _("Value must be valid JSON.")
    _("Enter a valid duration.")
    _("The number of days must be between {min_days} and {max_days}.")
    _("Enter a complete value.")
    _("Enter a valid UUID.")
    _("Enter a valid JSON.")
    _("“%(pk)s” is not a valid value.")
    _(
        "%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous or it "
        "may not exist."
    )
    _("Conflicting form data submitted. Please try again.")
    _("Messages")
    _("That page number is not an integer")
    _("That page number is less than 1")
    _("That page contains no results")
    _("Forbidden")
    _("CSRF verification failed. Request aborted.")
    pgettext("String to return when truncating text", "%(truncated_text)s…")
    ngettext("%(num)d year", "%(num)d years", 1)
    ngettext("%(num)d month", "%(num)d months", 1)
    ngettext("%(num)d week", "%(num)d weeks", 1)
    ngettext("%(num)d day", "%(num)d days", 1)
    ngettext("%(num)d hour", "%(num)d hours", 1)
    ngettext("%(num)d minute", "%(num)d minutes", 1)
    # Passwords (sign-up, the admin's user pages)
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    )
    _(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z "
        "letters, numbers, and @/./+/-/_ characters."
    )
    _("Raw passwords are not stored, so there is no way to see the user’s password.")
    _("Enable password-based authentication for this user by setting a password.")
    _("Password-based authentication was disabled.")
    _("Password-based authentication")
    _("Set password: %s")
    _("Reset password")
    _("Set password")
    _("Enabled")
    _("Disabled")
    _(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still "
        "be able to authenticate using other backends, such as Single Sign-On or LDAP."
    )
    # The Django admin's page frame
    _("Skip to main content")
    _("Breadcrumbs")
    _("Model name")
    _("Add link")
    _("Change or view list link")
    _("Toggle theme (current theme: auto)")
    _("Toggle theme (current theme: light)")
    _("Toggle theme (current theme: dark)")
    _("Toggle navigation")
    _("Sidebar")
    _("Filter navigation items")
    _("Select this object for an action - {}")
    _("Select all objects on this page for an action")
    _("View selected %(model)s")
    _("Hide counts")
    _("Show counts")
    _("Error:")
    _("Added:")
    _("Changed:")
    _("Deleted:")
    _("Forgotten your login credentials?")
    _("In case you’ve forgotten, you are:")
    _("After you’ve created a user, you’ll be able to edit more user options.")
    _("This action will <strong>enable</strong> password-based authentication for this user.")
    _("Disable password-based authentication")
    _("Enable password-based authentication")
    ngettext("Please correct the error below.", "Please correct the errors below.", 1)
    ngettext("entry", "entries", 1)
    # Background-task tables (django-tasks-db) in the admin
    _("Task Result")
    _("Task Results")
