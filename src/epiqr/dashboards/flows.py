"""The dashboards' read models follow the cases and results as they arrive (epiqr.core.events)."""

from epiqr.core import events


@events.on("case_opened", background=True)
def case_opened(*, case_id: int, source: str, actor_id: int | None) -> None:
    from epiqr.cases.selectors import case_days

    from .services import day_counts_refresh

    day_counts_refresh(days=set(case_days(case_id=case_id)))


@events.on("case_cancelled", background=True)
def case_cancelled(*, case_id: int, reason: str, actor_id: int | None) -> None:
    from epiqr.cases.selectors import case_days

    from .services import day_counts_refresh

    day_counts_refresh(days=set(case_days(case_id=case_id)))


@events.on("result_recorded", background=True)
def result_recorded(*, tube_ids: list[int], actor_id: int | None, corrected: bool) -> None:
    from epiqr.testing.selectors import tube_sampling_days

    from .services import day_counts_refresh

    day_counts_refresh(days=tube_sampling_days(tube_ids=tube_ids))
