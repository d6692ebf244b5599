"""The demo's map: the provinces and communes the migrations load, loaded again if the database was
emptied since (a flushed test database, `epiqr flush`), so the demo never starts from an empty map."""

from .models import Province
from .services import units_load


def populate(world: dict) -> None:
    if not Province.objects.exists():
        units_load()
