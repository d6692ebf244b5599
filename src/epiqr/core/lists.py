"""Lists that grow: filter, sort and page what a scoped selector returns, the same way on pages and in
the API.

A domain declares a `ListSpec` in its selectors (the filters the list offers and its sorts, each sort
backed by an index) and hands it the queryset its `*_visible_to` selector already narrowed to the user's
scope: the spec only narrows further, orders and cuts out one page, so nobody pages over rows they may
not see.

Query parameters, the same on pages and in the API:
    page        1, 2, ... (pages bring a number past the end back to the last page; the API answers
                an empty page)
    page_size   1..MAX_PAGE_SIZE, default the list's own
    sort        a declared key; "-key" sorts the other way
    <filter>    one per declared filter, e.g. `degree=2&risk=high&commune=70`
The answer has one shape (`Page.as_api`): count, count_exact, page, page_size, pages, sort, next,
previous, items. Counting stops at `count_limit` rows ("more than 10,000"), so a list of millions costs a
bounded count, and a page deeper than MAX_OFFSET rows is refused: narrow the filters or export.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .api_schema import Day
from .errors import Invalid
from .input_guard import INT64_MAX, INT64_MIN
from .timeutil import start_of_local_day

MAX_PAGE_SIZE = 200
PAGE_SIZES = (25, 50, 100, 200)
COUNT_LIMIT = 10_000
MAX_OFFSET = 100_000
RESERVED = ("page", "page_size", "sort")


SPECS: dict[str, ListSpec] = {}  # every list declared, by name (names are unique: they name API schemas)


class FilterKind:
    CHOICE = "choice"  # one of `choices` (a list, or a function of the user: communes in their area)
    INT = "int"  # a whole number in [minimum, maximum]
    TEXT = "text"  # free text, at most max_length characters
    DATE = "date"  # YYYY-MM-DD


@dataclass(frozen=True)
class Filter:
    """One query parameter that narrows a list.

    `lookup` is a field lookup the cleaned value is given to (`qs.filter(**{lookup: value})`); `apply`
    a function (qs, value) -> qs for anything more (a search, an EXISTS). Choice values may be ints or
    strings; the parameter is compared as text and the declared value is what `lookup`/`apply` get.
    """

    name: str
    label: Any
    kind: str = FilterKind.CHOICE
    lookup: str | None = None
    apply: Callable[[QuerySet, Any], QuerySet] | None = None
    choices: Sequence[tuple[Any, Any]] | Callable[[Any], Sequence[tuple[Any, Any]]] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 100
    placeholder: Any = ""
    help: str = ""
    api_type: type = str  # how the API documents a choice whose options depend on the user
    default: Any = None  # the choice used when the parameter is absent (the form then has no "All")
    prominent: bool = False  # shown above the folded panel (a list's search box)
    in_form: bool = True  # False: set by links only (a venue of the run's timeline), kept as a hidden field

    def bounds(self) -> tuple[int, int]:
        """A whole number's allowed range: the filter's own, never beyond what a database integer holds."""
        lo = -(2**63) if self.minimum is None else max(self.minimum, -(2**63))
        hi = 2**63 - 1 if self.maximum is None else min(self.maximum, 2**63 - 1)
        return lo, hi

    def options(self, user) -> list[tuple[Any, Any]]:
        if self.choices is None:
            return []
        return list(self.choices(user) if callable(self.choices) else self.choices)

    def clean(self, raw: str, *, user) -> Any:
        """The value a typed parameter stands for; ValueError with a message for the person."""
        if "\x00" in raw:
            raise ValueError(_("This value contains a character that is not allowed."))
        if self.kind == FilterKind.TEXT:
            if len(raw) > self.max_length:
                raise ValueError(_("At most %(n)d characters.") % {"n": self.max_length})
            return raw
        if self.kind == FilterKind.INT:
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(_("Give a whole number.")) from None
            lo, hi = self.bounds()
            if not lo <= value <= hi:
                raise ValueError(_("Give a number from %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi})
            return value
        if self.kind == FilterKind.DATE:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise ValueError(_("Give the date as YYYY-MM-DD.")) from None
        for value, _label in self.options(user):
            if str(value) == raw:
                return value
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": raw[:40]})

    def narrow(self, qs: QuerySet, value) -> QuerySet:
        if self.apply is not None:
            return self.apply(qs, value)
        return qs.filter(**{self.lookup or self.name: value})


@dataclass(frozen=True)
class Sort:
    """A way to order a list. `order_by` ends with a unique column, so pages never overlap or skip;
    "-key" reverses every column (an index serves both directions)."""

    key: str
    label: Any
    order_by: tuple[str, ...]

    def ordering(self, descending: bool) -> list[str]:
        if not descending:
            return list(self.order_by)
        return [c[1:] if c.startswith("-") else f"-{c}" for c in self.order_by]


@dataclass
class ListQuery:
    """What a request asked of a list: the cleaned filter values, what was typed (shown again in the
    form), the sort, the page, and a message per parameter that could not be used."""

    values: dict[str, Any]
    typed: dict[str, str]
    sort: str
    page: int
    page_size: int
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> int:
        """How many filters narrow the list (a filter at its default does not count)."""
        return sum(1 for v in self.typed_filters.values() if v)

    @property
    def typed_filters(self) -> dict[str, str]:
        return {k: v for k, v in self.typed.items() if k not in RESERVED}

    def params(self) -> dict[str, str]:
        """The query parameters that reproduce this query (defaults left out)."""
        return {k: v for k, v in self.typed.items() if v != ""}


@dataclass(frozen=True)
class ListSpec:
    """The filters and sorts of one list, and how big its pages are."""

    name: str
    sorts: tuple[Sort, ...]
    default_sort: str
    filters: tuple[Filter, ...] = ()
    page_size: int = 50
    count_limit: int = COUNT_LIMIT
    # For the index check (tests/core/test_every_list.py): the model listed, the columns its lists are
    # always narrowed by before sorting (a run, a commune: an index may start with them), or why the list
    # needs no index (it is always a small part of its table).
    model: Any = None
    index_prefixes: tuple[tuple[str, ...], ...] = ((),)
    small: str = ""

    def __post_init__(self):
        keys = {s.key for s in self.sorts}
        if self.default_sort.lstrip("-") not in keys:
            raise ValueError(f"{self.name}: default sort {self.default_sort!r} is not declared")
        if {f.name for f in self.filters} & set(RESERVED):
            raise ValueError(f"{self.name}: a filter may not be called {RESERVED}")
        SPECS[self.name] = self

    def sort_keys(self) -> list[str]:
        """Every accepted value of `sort`."""
        return [k for s in self.sorts for k in (s.key, f"-{s.key}")]

    def parse(self, params: Mapping[str, Any], *, user=None, strict: bool = False) -> ListQuery:
        """Read a request's parameters. A page (strict=False) keeps going with what it could use and
        reports the rest in `errors`; the API (strict=True) refuses the first bad one with Invalid."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        typed: dict[str, str] = {}

        def refuse(name: str, message: str) -> None:
            if strict:
                raise Invalid(message, field=name)
            errors[name] = message

        for f in self.filters:
            raw = params.get(f.name)
            raw = "" if raw is None else str(raw).strip()
            typed[f.name] = raw
            if raw == "" and f.default is not None:
                raw = str(f.default)
            if raw == "":
                continue
            try:
                values[f.name] = f.clean(raw, user=user)
            except ValueError as exc:
                refuse(f.name, str(exc))
        sort = str(params.get("sort") or "").strip()
        if sort and sort not in self.sort_keys():
            refuse("sort", _("Unknown sort “%(sort)s”.") % {"sort": sort[:40]})
            sort = ""
        typed["sort"] = sort
        page_size = _whole(params.get("page_size"))
        if params.get("page_size") not in (None, "") and (
            page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            refuse("page_size", _("Rows per page must be from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE})
            page_size = None
        typed["page_size"] = str(page_size) if page_size else ""
        page = _whole(params.get("page"))
        if params.get("page") not in (None, "") and (page is None or page < 1):
            if strict:
                refuse("page", _("The page number must be 1 or more."))
            page = None
        size = page_size or self.page_size
        if page and (page - 1) * size > MAX_OFFSET:
            refuse(
                "page",
                _("Pages past row %(n)s are not shown: narrow the list with the filters or export it.")
                % {"n": f"{MAX_OFFSET:,}"},
            )
            page = None
        return ListQuery(values, typed, sort or self.default_sort, page or 1, size, errors)

    def narrow(self, qs: QuerySet, query: ListQuery) -> QuerySet:
        """The queryset filtered and ordered as the query asks."""
        for f in self.filters:
            if f.name in query.values:
                qs = f.narrow(qs, query.values[f.name])
        descending = query.sort.startswith("-")
        sort = next(s for s in self.sorts if s.key == query.sort.lstrip("-"))
        return qs.order_by(*sort.ordering(descending))

    def page(self, qs: QuerySet, query: ListQuery, *, clamp: bool = True) -> Page:
        """One page of the narrowed list, with a count that stops at `count_limit`."""
        qs = self.narrow(qs, query)
        size = query.page_size
        number = query.page
        items = list(qs[(number - 1) * size : number * size + 1])
        if not items and number > 1 and clamp:
            count, exact = self.count(qs)
            number = min(max(1, math.ceil(count / size)), MAX_OFFSET // size + 1)
            items = list(qs[(number - 1) * size : number * size + 1])
        has_next = len(items) > size
        items = items[:size]
        offset = (number - 1) * size
        if not has_next and (items or number == 1):
            count, exact = offset + len(items), True  # the last page tells the count without a query
        elif not has_next:
            count, exact = self.count(qs)
        else:
            count, exact = self.count(qs)
            count = max(count, offset + len(items) + 1)
        return Page(self, query, items, number, size, count, exact, has_next)

    def count(self, qs: QuerySet) -> tuple[int, bool]:
        """How many rows, but never more than count_limit + 1 of them looked at."""
        n = qs.order_by().values("pk")[: self.count_limit + 1].count()
        return (n, True) if n <= self.count_limit else (self.count_limit, False)

    def get(self, qs: QuerySet, params: Mapping[str, Any], *, user=None, strict: bool = False) -> Page:
        """parse + page: what a view or an API handler calls."""
        return self.page(qs, self.parse(params, user=user, strict=strict), clamp=not strict)


def day_from(name: str, label, column: str) -> Filter:
    """A date filter keeping rows whose datetime `column` falls on or after that day in Vietnam."""
    return Filter(
        name,
        label,
        kind=FilterKind.DATE,
        apply=lambda qs, day: qs.filter(**{f"{column}__gte": start_of_local_day(day)}),
    )


def day_until(name: str, label, column: str) -> Filter:
    """A date filter keeping rows whose datetime `column` falls on or before that day in Vietnam."""
    from datetime import timedelta

    return Filter(
        name,
        label,
        kind=FilterKind.DATE,
        apply=lambda qs, day: qs.filter(**{f"{column}__lt": start_of_local_day(day + timedelta(days=1))}),
    )


def _whole(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class FilterField:
    """A filter as the form shows it."""

    name: str
    label: Any
    kind: str
    typed: str
    error: str
    options: list[tuple[str, Any]] | None
    placeholder: Any
    prominent: bool = False
    required: bool = False  # a choice with a default: no "All" option
    in_form: bool = True

    @property
    def input_type(self) -> str:
        return {FilterKind.INT: "number", FilterKind.DATE: "date"}.get(self.kind, "search")


# A select shows at most this many options; a bigger choice (every commune, for an administrator) is
# typed as a code instead.
MAX_OPTIONS = 400


@dataclass
class Page:
    """One page of a list and everything a page or the API shows about it."""

    spec: ListSpec
    query: ListQuery
    items: list
    number: int
    page_size: int
    count: int
    count_exact: bool
    has_next: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)

    def url(self, **changes) -> str:
        """ "?..." for this list with some parameters changed (None removes one); page 1 and the
        default sort are left out so the same list has one address."""
        params = {**self.query.params(), **({"page": str(self.number)} if self.number > 1 else {})}
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = str(value)
        if params.get("page") == "1":
            params.pop("page")
        if params.get("sort") == self.spec.default_sort:
            params.pop("sort")
        return "?" + urlencode(params) if params else "?"

    def address(self, path: str) -> str:
        """This page's canonical address under `path` (what an htmx refresh puts in the address bar)."""
        query = self.url()
        return path + (query if query != "?" else "")

    def page_url(self, number: int) -> str:
        return self.url(page=number)

    @property
    def next_url(self) -> str | None:
        return self.page_url(self.number + 1) if self.has_next else None

    @property
    def previous_url(self) -> str | None:
        return self.page_url(self.number - 1) if self.has_previous else None

    def links(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: the first, the last (when known), and `around` on each side of this
        one; None where numbers are left out."""
        last = self.pages if self.count_exact else max(self.pages, self.number + (1 if self.has_next else 0))
        wanted = {1, last, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= last)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out

    def sort_url(self, key: str) -> str:
        """The address that sorts by `key`, or by `key` the other way when it is already the sort."""
        current = self.query.sort
        target = f"-{key}" if current == key else key
        return self.url(sort=target, page=None)

    def sort_state(self, key: str) -> str:
        """ "ascending", "descending" or "" for a column header (aria-sort)."""
        if self.query.sort == key:
            return "ascending"
        if self.query.sort == f"-{key}":
            return "descending"
        return ""

    def fields(self, user=None) -> list[FilterField]:
        out = []
        for f in self.spec.filters:
            options = None
            if f.kind == FilterKind.CHOICE:
                opts = f.options(user)
                options = [(str(v), label) for v, label in opts] if len(opts) <= MAX_OPTIONS else None
            typed = self.query.typed.get(f.name, "")
            if options is not None and len(options) <= 1 and not typed and f.default is None:
                continue  # a choice of one (a commune officer's own commune) is no choice
            out.append(
                FilterField(
                    f.name,
                    f.label,
                    FilterKind.INT if f.kind == FilterKind.CHOICE and options is None else f.kind,
                    typed or ("" if f.default is None else str(f.default)),
                    self.query.errors.get(f.name, ""),
                    options,
                    f.placeholder,
                    prominent=f.prominent,
                    required=f.default is not None,
                    in_form=f.in_form,
                )
            )
        return out

    def sort_options(self) -> list[tuple[str, str]]:
        """(value, label) for the sort select: each sort both ways."""
        out = []
        for s in self.spec.sorts:
            out.append((s.key, f"{s.label} ↑"))
            out.append((f"-{s.key}", f"{s.label} ↓"))
        return out

    def as_api(self, items: list, *, path: str) -> dict:
        """The paged answer of every list endpoint (see PagedOut)."""
        return {
            "count": self.count,
            "count_exact": self.count_exact,
            "page": self.number,
            "page_size": self.page_size,
            "pages": self.pages,
            "sort": self.query.sort,
            "next": path + self._api_url(self.number + 1) if self.has_next else None,
            "previous": path + self._api_url(self.number - 1) if self.has_previous else None,
            "items": items,
        }

    def _api_url(self, number: int) -> str:
        params = {**self.query.params(), "page": str(number)}
        return "?" + urlencode(params)


# --- the API side: the query parameters and the paged answer as Ninja schemas ------------------------

SORT_HELP = gettext_lazy("one of the list's sort keys; put '-' in front for the other direction")


def api_query(spec: ListSpec):
    """A Ninja schema of the list's query parameters (for `params: Query[...]`), documented in the
    OpenAPI schema with their choices and bounds."""
    from typing import Literal

    from django.utils import translation
    from ninja import Schema
    from pydantic import Field, create_model

    with translation.override("en"):
        return _api_query(spec, Literal, Schema, Field, create_model)


def _api_query(spec: ListSpec, Literal, Schema, Field, create_model):  # noqa: N803 - typing names
    fields: dict[str, Any] = {
        "page": (int, Field(1, ge=1, le=INT64_MAX, description="1, 2, ...")),
        "page_size": (
            int,
            Field(
                spec.page_size, ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, at most {MAX_PAGE_SIZE}"
            ),
        ),
        "sort": (
            Literal[tuple(spec.sort_keys())],  # type: ignore[misc]
            Field(spec.default_sort, description=str(SORT_HELP)),
        ),
    }
    for f in spec.filters:
        description = f.help or str(f.label)
        constraints: dict[str, Any] = {}
        if f.kind == FilterKind.CHOICE and not callable(f.choices) and f.choices:
            kind: Any = Literal[tuple(str(v) for v, _label in f.choices)]  # type: ignore[misc]
        elif f.kind == FilterKind.CHOICE:
            kind = f.api_type
        elif f.kind == FilterKind.INT:
            kind = int
            lo, hi = f.bounds()
            constraints = {"ge": lo, "le": hi}
        elif f.kind == FilterKind.DATE:
            kind = Day  # ISO text only: pydantic's `date` would read "0" as a Unix timestamp
        else:
            kind = str
            constraints = {"max_length": f.max_length}
        if kind is int:  # every integer reaches the database as a signed 64-bit value
            given = {k: v for k, v in constraints.items() if v is not None}
            constraints = {"ge": INT64_MIN, "le": INT64_MAX, **given}
        constraints = {k: v for k, v in constraints.items() if v is not None}
        fields[f.name] = (kind | None, Field(None, description=description, **constraints))
    model_name = "".join(part.capitalize() for part in spec.name.split("_")) + "ListQuery"
    return create_model(model_name, __base__=Schema, **fields)


def api_page(item, *, name: str):
    """The paged answer schema for items of schema `item`, under a unique component `name`."""
    from ninja import Schema
    from pydantic import Field, create_model

    return create_model(
        name,
        __base__=Schema,
        count=(int, Field(description="rows matching (at most the list's count limit, see count_exact)")),
        count_exact=(bool, Field(description="false when more rows match than were counted")),
        page=(int, ...),
        page_size=(int, ...),
        pages=(int, ...),
        sort=(str, ...),
        next=(str | None, Field(description="path and query of the next page, or null")),
        previous=(str | None, Field(description="path and query of the previous page, or null")),
        items=(list[item], ...),
    )


def api_params(params) -> dict[str, Any]:
    """A Query[...] schema instance as the parameter mapping ListSpec.parse reads."""
    return {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.dict().items() if v is not None
    }
