"""Lists benchmark: the page queries of the biggest lists on PostgreSQL, their plans and their times.

- The contacts of a 250,000-contact run, read as the run page and GET /api/v1/tracing/runs/{id}/contacts
  read them (tracing.selectors.CONTACTS over contact_list_visible_to) by an administrator, a province
  officer and a commune officer: the first page, page 100, the bounded count, a degree and risk filter,
  both sorts.
- The people of a province (1,000,000 of the 2,000,000 people generated), read as /people/ and
  GET /api/v1/people read them (people.selectors.PEOPLE): first page, page 100, the count, a commune, a
  name search, both sorts.

Each query is run as the list runs it (the same ORM queryset, sliced to one page plus one row), its
median time over --repeat runs printed, and its plan (EXPLAIN ANALYZE) checked: a Seq Scan of the
contact or person table that reads more than 50,000 rows, or a Sort node fed with more than 10,000 rows,
is flagged `BAD` (the sort the page asks for must come from an index). `--plans` prints every plan in full.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/lists_plans.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/lists_plans.py \\
        --contacts 50000 --people 200000 --repeat 3          # a quick look
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta

BIG_TABLES = ("tracing_contact", "people_person")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=250_000)
    ap.add_argument("--people", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--plans", action="store_true", help="print every plan in full")
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("run through tools/with_postgres.py: the plans that matter are PostgreSQL's")
    call_command("migrate", verbosity=0)
    world = build(args.people, args.contacts)
    print(
        f"world: {args.people:,} people ({world['in_province']:,} in province {world['province'].name}), "
        f"run #{world['run'].pk} with {args.contacts:,} contacts"
    )
    bad = 0
    for title, qs in contact_queries(world) + people_queries(world):
        bad += measure(title, qs, args)
    print(f"\n{bad} plan(s) flagged BAD")


def build(people: int, contacts: int) -> dict:
    """People over every commune (half in Hà Nội), one run whose contacts are the first `contacts`
    people of Hà Nội, one exposure each; written with INSERT ... SELECT generate_series."""
    from django.db import connection

    from epiqr.accounts.models import User
    from epiqr.cases.models import Case
    from epiqr.core.permissions import Role
    from epiqr.core.pgsql import copy_into
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.people.models import Person
    from epiqr.tracing import exposures
    from epiqr.tracing.models import TracingRun
    from epiqr.venues.models import Venue

    if not Province.objects.exists():
        units_load()
    province = Province.objects.get(code=1)
    hanoi = list(Commune.objects.filter(province=province).order_by("code").values_list("code", flat=True))
    elsewhere = list(
        Commune.objects.exclude(province=province).order_by("code").values_list("code", flat=True)
    )
    started = time.perf_counter()
    with connection.cursor() as cur:
        if Person.objects.count() < people:
            cur.execute(
                """
                INSERT INTO people_person (public_id, full_name, name_folded, birth_year, sex, phone, email,
                    address, commune_id, qr_generation, created_at, updated_at)
                SELECT md5(i::text || 'p')::uuid,
                    (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Vũ','Đặng','Bùi'])[1 + (i / 3) %% 8] || ' Thử ' ||
                    (ARRAY['An','Bình','Châu','Dũng','Hà','Khoa','Lan','Minh','Ngọc','Phúc'])[1 + (i / 24) %% 10]
                        || ' ' || i,
                    (ARRAY['nguyen','tran','le','pham','hoang','vu','dang','bui'])[1 + (i / 3) %% 8] || ' thu ' ||
                    (ARRAY['an','binh','chau','dung','ha','khoa','lan','minh','ngoc','phuc'])[1 + (i / 24) %% 10]
                        || ' ' || i,
                    1940 + i %% 80, CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END, '09' || lpad((i %% 100000000)::text, 8, '0'),
                    '', (i %% 500) || ' Ngõ Thử',
                    CASE WHEN i %% 2 = 0 THEN (%s::int[])[1 + (i / 2) %% %s] ELSE (%s::int[])[1 + (i / 2) %% %s] END,
                    1, now() - (i || ' seconds')::interval, now()
                FROM generate_series(1, %s) AS i
                """,
                [hanoi, len(hanoi), elsewhere, len(elsewhere), people],
            )
        officer_commune = hanoi[0]
        f0 = Person.objects.filter(commune_id=officer_commune).order_by("id").first()
        case, _ = Case.objects.get_or_create(
            person=f0, defaults={"confirmed_on": "2026-01-10", "commune_id": f0.commune_id}
        )
        venue = Venue.objects.filter(code="BENCH0001").first() or Venue.objects.create(
            code="BENCH0001",
            name="Chợ Thử",
            name_folded="cho thu",
            address="1 Phố Thử",
            commune_id=officer_commune,
        )
        # Other runs' contacts first, so that the measured run is a part of the table, as in production.
        other_case, _ = Case.objects.get_or_create(
            person=Person.objects.filter(commune_id=officer_commune).order_by("id")[1],
            defaults={"confirmed_on": "2026-01-09", "commune_id": officer_commune},
        )
        if not TracingRun.objects.filter(case=other_case).exists():
            other = TracingRun.objects.create(
                case=other_case, degree=2, period_start="2026-01-04T00:00Z", period_end="2026-01-09T00:00Z",
                contact_count=contacts, policy_snapshot={"name": "bench", "version": 1},
            )  # fmt: skip
            cur.execute(
                """
                INSERT INTO tracing_contact (run_id, person_id, degree, risk, overlap_minutes, first_exposed_at,
                    commune_id, status)
                SELECT %s, p.id, 1, 'high', 20, timestamptz '2026-01-07 00:00Z', p.commune_id, 'to_call'
                FROM (SELECT id, commune_id FROM people_person ORDER BY id DESC LIMIT %s) p
                """,
                [other.pk, contacts],
            )
        run = TracingRun.objects.filter(case=case).first()
        if run is None:
            run = TracingRun.objects.create(
                case=case, degree=2, period_start="2026-01-05T00:00Z", period_end="2026-01-10T00:00Z",
                contact_count=contacts, policy_snapshot={"name": "bench", "version": 1},
            )  # fmt: skip
            cur.execute(
                """
                INSERT INTO tracing_contact (run_id, person_id, degree, risk, overlap_minutes, first_exposed_at,
                    commune_id, status)
                SELECT %s, p.id, 1 + (row_number() OVER () %% 3 = 0)::int,
                    CASE WHEN p.id %% 3 = 0 THEN 'low' ELSE 'high' END, 10 + p.id %% 50,
                    timestamptz '2026-01-08 00:00Z' + (p.id %% 100000 || ' seconds')::interval,
                    p.commune_id, 'to_call'
                FROM (SELECT id, commune_id FROM people_person WHERE id <> %s ORDER BY id LIMIT %s) p
                """,
                [run.pk, f0.pk, contacts],
            )
            # Each contact's one exposure, packed on its row (tracing/exposures.py).
            cur.execute(
                "SELECT id, first_exposed_at, overlap_minutes, risk FROM tracing_contact WHERE run_id = %s",
                [run.pk],
            )
            packed = [
                (
                    cid,
                    exposures.pack(
                        [
                            exposures.StoredExposure(
                                0, venue.pk, cid, first, first + timedelta(minutes=30), f0.pk, 1, first,
                                first + timedelta(minutes=40), overlap, None, risk,
                            )
                        ]
                    ),
                    exposures.venues_text([venue.pk]),
                )
                for cid, first, overlap, risk in cur.fetchall()
            ]  # fmt: skip
            cur.execute("CREATE TEMPORARY TABLE packed (id bigint, data bytea, venues text)")
            copy_into(cur, "packed", ["id", "data", "venues"], packed, types=["bigint", "bytea", "text"])
            cur.execute(
                "UPDATE tracing_contact c SET exposure_data = p.data, venues_text = p.venues FROM packed p "
                "WHERE c.id = p.id"
            )
            cur.execute("DROP TABLE packed")
        cur.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f}s")

    def user(name, role, **scope):
        found = User.objects.filter(username=name).first()
        return found or User.objects.create(
            username=name, role=role, is_superuser=role == Role.ADMIN, **scope
        )

    return {
        "province": province,
        "in_province": Person.objects.filter(commune__province=province).count(),
        "run": run,
        "admin": user("bench-admin", Role.ADMIN),
        "province_officer": user("bench-tinh", Role.PROVINCE_OFFICER, province=province),
        "commune_officer": user(
            "bench-xa", Role.COMMUNE_OFFICER, commune_id=officer_commune, province=province
        ),
        "commune": officer_commune,
        "other_commune": hanoi[5],
    }


def page_qs(spec, base, params, user):
    """The queryset a list page runs: narrowed, sorted, one page plus one row."""
    query = spec.parse(params, user=user, strict=True)
    qs = spec.narrow(base, query)
    offset = (query.page - 1) * query.page_size
    return qs[offset : offset + query.page_size + 1]


def contact_queries(world):
    from epiqr.tracing.selectors import CONTACTS, contact_list_visible_to

    run = world["run"]
    out = []
    for who in ("admin", "province_officer", "commune_officer"):
        user = world[who]
        base = contact_list_visible_to(user=user, run=run)
        for label, params in (
            ("page 1", {}),
            ("page 100", {"page": 100}),
            ("F2 high risk", {"degree": "2", "risk": "high"}),
            ("by exposure, newest", {"sort": "-exposed"}),
            ("by exposure, page 100", {"sort": "exposed", "page": 100}),
        ):
            out.append((f"contacts · {who} · {label}", page_qs(CONTACTS, base, params, user)))
        out.append((f"contacts · {who} · count (bounded)", _count_qs(CONTACTS, base)))
    return out


def people_queries(world):
    from epiqr.people.selectors import PEOPLE, person_list_visible_to

    out = []
    for who in ("province_officer", "commune_officer"):
        user = world[who]
        base = person_list_visible_to(user=user)
        cases = [
            ("page 1", {}),
            ("page 100", {"page": 100}),
            ("newest registered", {"sort": "-registered"}),
            ("name search 'minh 1234'", {"q": "minh 1234"}),
        ]
        if who == "province_officer":
            cases.append(("one commune", {"commune": str(world["other_commune"])}))
        for label, params in cases:
            out.append((f"people · {who} · {label}", page_qs(PEOPLE, base, params, user)))
        out.append((f"people · {who} · count (bounded)", _count_qs(PEOPLE, base)))
    return out


def _count_qs(spec, base):
    return base.order_by().values("pk")[: spec.count_limit + 1]


def measure(title: str, qs, args) -> int:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    if title.endswith("(bounded)"):
        sql, params = f"SELECT count(*) FROM ({sql}) sub", params
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cur.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
    problems = list(_problems(plan[0]["Plan"]))
    flag = "BAD " if problems else "ok  "
    print(
        f"{flag}{statistics.median(times):8.1f} ms  {title}"
        + (f"  <- {'; '.join(problems)}" if problems else "")
    )
    if args.plans or problems:
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (ANALYZE) {sql}", params)
            print("      " + "\n      ".join(r[0] for r in cur.fetchall()))
    return 1 if problems else 0


def _problems(node):
    kind = node.get("Node Type")
    read = node.get("Actual Rows", 0) * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0)
    if kind == "Seq Scan" and node.get("Relation Name") in BIG_TABLES and read > 50_000:
        # (a sequential scan that a LIMIT stops after a few thousand rows, as a bounded count does, is fine)
        yield f"Seq Scan on {node['Relation Name']} reading {read:,} rows"
    if kind == "Sort":
        rows = sum(child.get("Actual Rows", 0) for child in node.get("Plans", []))
        if rows > 10_000:
            yield f"Sort of {rows:,} rows"
    for child in node.get("Plans", []):
        yield from _problems(child)


if __name__ == "__main__":
    main()
