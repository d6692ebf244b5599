from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The admin's titles name EpiQR, in the chosen language (Django's defaults say "Django administration").
admin.site.site_header = _("EpiQR administration")
admin.site.site_title = _("EpiQR administration")
admin.site.index_title = _("Tables")
