"""Background work of tracing: the sweep that files what a stopped worker left of a large run's F2 (the
filing itself is `services.run_contacts_file_later`, enqueued when the run is stored)."""

from django_tasks import task

from .models import ContactPack
from .services import run_contacts_file


@task()
def contacts_file_pending() -> int:
    """File every pack left pending: a worker stopped half-way, or an enqueue lost with its process."""
    runs = ContactPack.objects.pending().order_by("run_id").values_list("run_id", flat=True)
    return sum(run_contacts_file(run_id=run_id) for run_id in list(runs))
