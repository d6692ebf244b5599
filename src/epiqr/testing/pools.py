"""Pool resolution and pool-size advice: plain functions, no Django.

A tube holds the swabs of one person (individual sample) or of several (a pool). The lab gives one
result per tube; these rules turn it into one outcome per person:

- negative tube            -> every member NEGATIVE
- positive tube of one     -> that person POSITIVE (a confirmed case)
- positive tube of several -> every member POOL_POSITIVE: retest individually, listed for recall.
                              Nobody in a pool is ever confirmed positive without an individual test.
- invalid tube             -> every member RESAMPLE (come back for a new swab)

Dorfman (1943) two-stage pooling: test pools of k; retest every member of a positive pool. With
prevalence p the expected number of tests per person is 1/k + 1 - (1-p)^k.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


class Result:
    """What the lab reports for one tube."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    INVALID = "invalid"
    ALL = (POSITIVE, NEGATIVE, INVALID)


class Outcome:
    """What one person's sample means for them."""

    PENDING = "pending"
    NEGATIVE = "negative"
    POOL_POSITIVE = "pool_positive"
    POSITIVE = "positive"
    RESAMPLE = "resample"
    ALL = (PENDING, NEGATIVE, POOL_POSITIVE, POSITIVE, RESAMPLE)


# Pools bigger than this are not advised: dilution lowers RT-PCR sensitivity (Hanoi used 5-10, rarely 20).
MAX_ADVISED_POOL = 20


@dataclass(frozen=True)
class Resolution:
    """Outcome per member, plus who must be recalled for an individual test or a new swab."""

    outcomes: dict = field(default_factory=dict)
    confirmed: tuple = ()
    recall: tuple = ()


def tube_outcome(*, result: str, member_count: int) -> str:
    """The outcome every member of a tube of `member_count` distinct people gets for `result`.

    Bulk paths group tubes by this value and update their members with one statement per group.
    """
    if result not in Result.ALL:
        raise ValueError(f"unknown result {result!r}")
    if member_count < 1:
        raise ValueError("a tube without members has no outcome")
    if result == Result.NEGATIVE:
        return Outcome.NEGATIVE
    if result == Result.INVALID:
        return Outcome.RESAMPLE
    return Outcome.POSITIVE if member_count == 1 else Outcome.POOL_POSITIVE


def resolve_tube(*, result: str, members: Sequence[T]) -> Resolution:
    """Outcomes of the members of one tube for the lab's result (see the module docstring)."""
    if result not in Result.ALL:
        raise ValueError(f"unknown result {result!r}")
    people = tuple(dict.fromkeys(members))
    if not people:
        return Resolution()
    outcome = tube_outcome(result=result, member_count=len(people))
    outcomes = dict.fromkeys(people, outcome)
    return Resolution(
        outcomes=outcomes,
        confirmed=people if outcome == Outcome.POSITIVE else (),
        recall=people if outcome in (Outcome.POOL_POSITIVE, Outcome.RESAMPLE) else (),
    )


def resolve_tubes(tubes: Iterable[tuple[str, Sequence[T]]]) -> Resolution:
    """Resolve many tubes at once; a person in several tubes keeps the outcome of the last one."""
    outcomes: dict = {}
    for result, members in tubes:
        outcomes.update(resolve_tube(result=result, members=members).outcomes)
    return Resolution(
        outcomes=outcomes,
        confirmed=tuple(p for p, o in outcomes.items() if o == Outcome.POSITIVE),
        recall=tuple(p for p, o in outcomes.items() if o in (Outcome.POOL_POSITIVE, Outcome.RESAMPLE)),
    )


def dorfman_tests_per_person(*, prevalence: float, pool_size: int) -> float:
    """Expected tests per person with pools of `pool_size` (1 = individual testing: exactly 1)."""
    if not 0.0 <= prevalence <= 1.0:
        raise ValueError("prevalence must be within 0..1")
    if pool_size < 1:
        raise ValueError("pool size must be at least 1")
    if pool_size == 1:
        return 1.0
    return 1.0 / pool_size + 1.0 - (1.0 - prevalence) ** pool_size


@dataclass(frozen=True)
class PoolAdvice:
    pool_size: int
    tests_per_person: float
    saving: float  # fraction of tests saved against individual testing

    @property
    def saving_percent(self) -> int:
        return round(self.saving * 100)


def dorfman_advice(*, prevalence: float, max_pool: int = MAX_ADVISED_POOL) -> PoolAdvice:
    """The pool size up to `max_pool` with the fewest expected tests per person (1 when pooling does not pay)."""
    best = min(
        range(1, max(1, max_pool) + 1),
        key=lambda k: (dorfman_tests_per_person(prevalence=prevalence, pool_size=k), k),
    )
    per_person = dorfman_tests_per_person(prevalence=prevalence, pool_size=best)
    return PoolAdvice(pool_size=best, tests_per_person=per_person, saving=1.0 - per_person)
