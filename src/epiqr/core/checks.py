"""Deployment checks of the core (`epiqr check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs=None, **kwargs):
    """With DEBUG off pages name content-hashed static files listed in STATIC_ROOT's manifest: without
    `epiqr collectstatic` every page fails."""
    if settings.DEBUG:
        return []
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and not staticfiles_storage.exists(manifest):
        return [
            Warning(
                f"No static-file manifest in {settings.STATIC_ROOT}: pages cannot load their styles and scripts.",
                hint="Run `epiqr collectstatic --noinput` (again after every upgrade).",
                id="epiqr.W001",
            )
        ]
    return []
