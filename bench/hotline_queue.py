"""Hotline benchmark: the operator console's queue with 100,000 open requests across Hà Nội, on PostgreSQL.

The world: the 1022 centre and a commune team and a medical team for each of Hà Nội's communes, 100,000
open requests spread over them (every priority, a fifth past their deadline, a tenth still in the intake
queue) and --closed closed ones (the months before), written with INSERT ... SELECT generate_series.

Measured in-process through Django's test client, as an operator (province scope, second factor passed)
with DEBUG off as in production, each page --repeat times, medians:
- /hotline/queue/ (the queue page: the 25 most urgent, the bounded count, the counts per team and
  priority), a team's queue, the past-deadline filter, page 40, a search by number and by phone;
- /hotline/ (the console with its queue counts) and /hotline/?phone=... (the caller lookup);
- GET /api/v1/hotline/tickets and /api/v1/hotline/queues;
- the baseline: /healthz and /accounts/me/ (a staff page with no list), measured in the same run.
The target (issue 15): the queue page under 200 ms.

Then the queries of the queue (the page, the bounded count, the counts per team) are EXPLAINed: a Seq
Scan of the ticket table reading more than 50,000 rows, or a Sort fed more than 10,000 rows, is flagged
`BAD` (the queue must be read from the open-requests indexes). `--plans` prints every plan.

    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/hotline_queue.py
    .venv/bin/python tools/with_postgres.py --durable -- .venv/bin/python bench/hotline_queue.py \\
        --open 20000 --closed 20000 --repeat 5          # a quick look
"""

import argparse
import json
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=100_000)
    ap.add_argument("--closed", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--plans", action="store_true", help="print every plan in full")
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    os.environ.setdefault("EPIQR_DEBUG", "0")  # as in production: DEBUG keeps the text of every query
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    if connection.vendor != "postgresql":
        sys.exit("run through tools/with_postgres.py: the plans that matter are PostgreSQL's")
    call_command("migrate", verbosity=0)
    world = build(args.open, args.closed)
    print(
        f"world: {world['open']:,} open requests, {world['closed']:,} closed, {world['teams']} teams "
        f"in {world['province'].name}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    # Without collectstatic, pages name their static files as in development; nothing else changes.
    static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**django.conf.settings.STORAGES, **static}):
        pages(world, args)
    bad = 0
    print("\nplans:")
    for title, sql, params in queries(world):
        bad += explain(title, sql, params, args)
    print(f"\n{bad} plan(s) flagged BAD")


def build(open_count: int, closed_count: int) -> dict:
    from django.db import connection

    from epiqr.accounts.models import User
    from epiqr.core.permissions import Role
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.hotline.models import Team, TeamKind, TeamMember, Ticket

    if not Province.objects.exists():
        units_load()
    province = Province.objects.get(code=1)
    communes = list(Commune.objects.filter(province=province).order_by("code").values_list("code", flat=True))
    started = time.perf_counter()
    centre = Team.objects.filter(kind=TeamKind.CENTRE, province=province).first()
    if centre is None:
        centre = Team.objects.create(name="Tổng đài 1022 Hà Nội", kind=TeamKind.CENTRE, province=province)
        for code in communes:
            steering = Team.objects.create(
                name=f"Ban chỉ đạo {code}", kind=TeamKind.COMMUNE, province=province, commune_id=code,
                parent=centre,
            )  # fmt: skip
            Team.objects.create(
                name=f"Trạm y tế {code}", kind=TeamKind.MEDICAL, province=province, commune_id=code,
                parent=steering,
            )  # fmt: skip
    teams = list(
        Team.objects.filter(province=province)
        .exclude(pk=centre.pk)
        .order_by("pk")
        .values_list("pk", "commune_id")
    )
    team_ids = [t for t, _c in teams]
    team_communes = [c for _t, c in teams]
    operator = User.objects.filter(username="bench-1022").first() or User.objects.create(
        username="bench-1022", role=Role.HOTLINE_OPERATOR, province=province
    )
    TeamMember.objects.get_or_create(team=centre, user=operator)
    have = Ticket.objects.filter(status__in=("new", "assigned", "in_progress")).count()
    with connection.cursor() as cur:
        if have < open_count:
            # i % 10 = 0: the intake queue (no team); a fifth past the deadline; priority by i % 7.
            cur.execute(
                """
                INSERT INTO hotline_ticket (source, category, priority, priority_reason, rules, status,
                    caller_name, phone, phone_verified, province_id, commune_id, address, description,
                    warning_sign, vulnerable, severity, team_id, level, due_at, created_at, resolution)
                SELECT (ARRAY['call','call','call','web'])[1 + i %% 4],
                    (ARRAY['f0_care','emergency','supplies','permits','test_results','vaccination',
                           'violation','other'])[1 + i %% 8],
                    (ARRAY[0,1,1,2,2,2,3])[1 + i %% 7], '', 'hn-1022/1',
                    CASE WHEN i %% 10 = 0 THEN 'new' WHEN i %% 3 = 0 THEN 'in_progress' ELSE 'assigned' END,
                    'Người gọi ' || i, '09' || lpad((i %% 100000000)::text, 8, '0'), i %% 4 = 3, %s,
                    (%s::int[])[1 + (i / 10) %% %s], (i %% 300) || ' Ngõ Thử', 'Yêu cầu thử số ' || i,
                    i %% 13 = 0, i %% 11 = 0, 0,
                    CASE WHEN i %% 10 = 0 THEN NULL ELSE (%s::bigint[])[1 + i %% %s] END, 0,
                    now() + ((i %% 5 - 1) * 3600 + i %% 3600 || ' seconds')::interval,
                    now() - (i %% 86400 || ' seconds')::interval, ''
                FROM generate_series(%s + 1, %s) AS i
                """,
                [province.pk, team_communes, len(team_communes), team_ids, len(team_ids), have, open_count],
            )
        closed = Ticket.objects.filter(status__in=("resolved", "cancelled")).count()
        if closed < closed_count:
            cur.execute(
                """
                INSERT INTO hotline_ticket (source, category, priority, priority_reason, rules, status,
                    caller_name, phone, phone_verified, province_id, commune_id, address, description,
                    warning_sign, vulnerable, severity, team_id, level, due_at, created_at, resolved_at,
                    resolution)
                SELECT 'call', 'supplies', 2, '', 'hn-1022/1',
                    CASE WHEN i %% 9 = 0 THEN 'cancelled' ELSE 'resolved' END,
                    'Người gọi cũ ' || i, '09' || lpad((i %% 100000000)::text, 8, '0'), false, %s,
                    (%s::int[])[1 + i %% %s], '', 'Yêu cầu cũ ' || i, false, false, 0,
                    (%s::bigint[])[1 + i %% %s], 0,
                    now() - (i %% 8000000 || ' seconds')::interval,
                    now() - (i %% 8000000 + 86400 || ' seconds')::interval,
                    now() - (i %% 8000000 || ' seconds')::interval, 'Đã xử lý'
                FROM generate_series(%s + 1, %s) AS i
                """,
                [
                    province.pk,
                    team_communes,
                    len(team_communes),
                    team_ids,
                    len(team_ids),
                    closed,
                    closed_count,
                ],
            )
    # As autovacuum leaves a table in production: statistics, and the visibility map that lets the
    # counts be read from the index alone.
    connection.ensure_connection()
    old_autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE hotline_ticket")
    connection.set_autocommit(old_autocommit)
    print(f"built in {time.perf_counter() - started:.0f}s")
    some = Ticket.objects.filter(team_id=team_ids[0], status="assigned").order_by("pk").first()
    return {
        "province": province,
        "operator": operator,
        "team": team_ids[0],
        "teams": len(team_ids) + 1,
        "open": Ticket.objects.filter(status__in=("new", "assigned", "in_progress")).count(),
        "closed": Ticket.objects.filter(status__in=("resolved", "cancelled")).count(),
        "number": some.pk if some else 1,
        "phone": some.phone if some else "0900000001",
    }


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def pages(world, args) -> None:
    from django.db import reset_queries

    client = _client(world["operator"])
    urls = [
        ("baseline · /healthz", "/healthz"),
        ("baseline · /accounts/me/ (a staff page, no list)", "/accounts/me/"),
        ("queue page · most urgent first", "/hotline/queue/"),
        ("queue page · one team", f"/hotline/queue/?team={world['team']}"),
        ("queue page · past the deadline", "/hotline/queue/?overdue=yes"),
        ("queue page · urgent only", "/hotline/queue/?priority=0"),
        ("queue page · intake (no team)", "/hotline/queue/?status=new"),
        ("queue page · page 40", "/hotline/queue/?page=40"),
        ("queue page · by number", f"/hotline/queue/?q={world['number']}"),
        ("queue page · by phone", f"/hotline/queue/?q={world['phone']}"),
        ("console (queue counts)", "/hotline/"),
        ("console · caller lookup", f"/hotline/?phone={world['phone']}"),
        ("API · /api/v1/hotline/tickets", "/api/v1/hotline/tickets"),
        ("API · /api/v1/hotline/queues", "/api/v1/hotline/queues"),
    ]
    print(f"\npages ({args.repeat} runs each, median and max, queries per request):")
    base = None
    for title, url in urls:
        client.get(url)  # warm: connection, templates, the province's communes
        times = []
        for _ in range(args.repeat):
            reset_queries()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
        with CountQueries() as counted:
            client.get(url)
        median = statistics.median(times)
        if title.startswith("baseline · /accounts"):
            base = median
        ratio = f"{median / base:5.1f}x baseline" if base and not title.startswith("baseline") else ""
        target = "  (target < 200 ms)" if title.startswith("queue page · most urgent") else ""
        print(f"{median:8.1f} ms  max {max(times):7.1f}  {counted.n:3d} q  {title}  {ratio}{target}")


class CountQueries:
    def __enter__(self):
        from django.db import connection

        self.n = 0
        self._wrapper = lambda execute, sql, params, many, context: self._count(
            execute, sql, params, many, context
        )
        self._cm = connection.execute_wrapper(self._wrapper)
        self._cm.__enter__()
        return self

    def _count(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)


def queries(world):
    """The SQL the queue page runs: its page, its bounded count, the counts per team and priority."""
    from django.db.models import Count, Q

    from epiqr.core import timeutil
    from epiqr.core.lists import ListQuery
    from epiqr.hotline.selectors import QUEUE, queue_visible_to

    user = world["operator"]
    base = queue_visible_to(user=user)
    out = []
    for label, params in (
        ("page 1, most urgent first", {}),
        ("one team", {"team": str(world["team"])}),
        ("past the deadline", {"overdue": "yes"}),
        ("page 40", {"page": "40"}),
        ("intake (status new)", {"status": "new"}),
    ):
        query: ListQuery = QUEUE.parse(params, user=user, strict=True)
        qs = QUEUE.narrow(base, query)
        offset = (query.page - 1) * query.page_size
        sql, p = qs[offset : offset + query.page_size + 1].query.sql_with_params()
        out.append((f"queue · {label}", sql, p))
    sql, p = base.order_by().values("pk")[: QUEUE.count_limit + 1].query.sql_with_params()
    out.append(("queue · count (bounded)", f"SELECT count(*) FROM ({sql}) sub", p))
    intake = QUEUE.narrow(base, QUEUE.parse({"status": "new"}, user=user, strict=True))
    sql, p = intake.order_by().values("pk")[: QUEUE.count_limit + 1].query.sql_with_params()
    out.append(("queue · intake count (bounded)", f"SELECT count(*) FROM ({sql}) sub", p))
    counts = (
        base.order_by().values("team_id", "priority")
        .annotate(n=Count("priority"), late=Count("priority", filter=Q(due_at__lt=timeutil.now())))
    )  # fmt: skip
    sql, p = counts.query.sql_with_params()
    out.append(("queue counts per team and priority", sql, p))
    return out


def explain(title: str, sql: str, params, args) -> int:
    from django.db import connection

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
        f"{flag}{statistics.median(times):8.1f} ms  {title}  [{_summary(plan[0]['Plan'])}]"
        + (f"  <- {'; '.join(problems)}" if problems else "")
    )
    if args.plans:
        print(json.dumps(plan, indent=1))
    return bool(problems)


def _problems(node):
    kind = node.get("Node Type", "")
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    if kind == "Seq Scan" and node.get("Relation Name") == "hotline_ticket" and rows > 50_000:
        yield f"Seq Scan of hotline_ticket reading {rows:,} rows"
    if kind == "Sort":
        fed = sum(c.get("Actual Rows", 0) * c.get("Actual Loops", 1) for c in node.get("Plans", []))
        if fed > 10_000:
            yield f"Sort fed {fed:,} rows"
    for child in node.get("Plans", []):
        yield from _problems(child)


def _summary(node) -> str:
    """The plan's scan nodes and the indexes they use, for the figures in docs/benchmarks.md."""
    found = []

    def walk(n):
        if "Scan" in n.get("Node Type", ""):
            found.append(f"{n['Node Type']}{' ' + n['Index Name'] if 'Index Name' in n else ''}")
        for c in n.get("Plans", []):
            walk(c)

    walk(node)
    return ", ".join(dict.fromkeys(found))


if __name__ == "__main__":
    main()
