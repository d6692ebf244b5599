"""The dashboards' read models follow the cases and results as they arrive (epiqr.core.events)."""

from epiqr.core import events


def _case_changed(case_id: int, *, days: bool = True) -> None:
    """A case opened, was cancelled or ended: its days recounted (CommuneDayCount) and its commune's
    active cases (CommuneActiveCount), by the cases domain's own selectors."""
    from epiqr.cases.selectors import case_commune, case_days

    from .services import active_counts_refresh, day_counts_refresh

    if days:
        day_counts_refresh(days=set(case_days(case_id=case_id)))
    commune = case_commune(case_id=case_id)
    if commune is not None:
        active_counts_refresh(commune_ids=[commune])


@events.on("case_opened", background=True)
def case_opened(*, case_id: int, source: str, actor_id: int | None) -> None:
    _case_changed(case_id)


@events.on("case_cancelled", background=True)
def case_cancelled(*, case_id: int, reason: str, actor_id: int | None) -> None:
    _case_changed(case_id)


@events.on("case_ended", background=True)
def case_ended(*, case_id: int, outcome: str, actor_id: int | None) -> None:
    # a recovered or deceased case still counts on its days: only the active cases change
    _case_changed(case_id, days=False)


@events.on("result_recorded", background=True)
def result_recorded(*, tube_ids: list[int], actor_id: int | None, corrected: bool) -> None:
    from epiqr.testing.selectors import tube_sampling_days

    from .services import day_counts_refresh

    day_counts_refresh(days=tube_sampling_days(tube_ids=tube_ids))
