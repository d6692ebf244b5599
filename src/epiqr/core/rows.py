"""Model instances from the rows of the hot paths' own SQL (check-in scans, station doses)."""

from typing import TypeVar

from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init

M = TypeVar("M", bound=models.Model)


def loaded(model: type[M], values: dict[str, object], *, using: str) -> M:
    """An instance of `model` holding `values` (by attribute name) as a row loaded from `using`.

    What Model.from_db gives, without __init__'s walk over every field of the model: a scan builds two
    of these, and that walk was a tenth of its Python. An attribute not given loads on access, as a
    deferred field does. post_init is still sent, so loading a tracked table inside an audited route
    is still recorded (core.audit.track_reads).
    """
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding = False
    state.db = using
    post_init.send(sender=model, instance=instance)
    return instance
