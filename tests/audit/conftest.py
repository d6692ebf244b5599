from datetime import UTC, datetime, timedelta

import pytest


class FakeClock:
    """The time the audit log writes (core.services.now), moved by hand."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    monkeypatch.setattr("epiqr.core.services.now", fake)
    return fake


@pytest.fixture
def people(commune):
    from tests.factories import PersonFactory

    return [PersonFactory(commune=commune, full_name=f"Người Thử {n:02d}") for n in range(12)]
