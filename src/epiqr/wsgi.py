import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the URL maps) lives as long as the process: out of the
# cyclic collector's reach, a full collection no longer walks it (a pause of tens of milliseconds that
# stalled every worker at once under a steady load of scans).
gc.freeze()
