"""The domain packages in dependency order, and their optional per-domain modules (demo, scheduled)."""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

DOMAINS = ("core", "accounts", "geo", "people", "venues", "checkins", "cases", "tracing", "testing", "notify")


def domain_modules(name: str, order: tuple[str, ...] = DOMAINS) -> Iterator[tuple[str, ModuleType]]:
    """Each domain's `<domain>.<name>` module that exists, in order; a broken import still raises."""
    for domain in order:
        try:
            module = import_module(f"epiqr.{domain}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"epiqr.{domain}.{name}":
                raise
            continue
        yield domain, module
