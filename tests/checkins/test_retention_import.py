"""Retention purge keeps daily counts; CSV import is idempotent and reports bad rows."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from epiqr.checkins.models import CheckIn, HealthDeclaration, VenueDailyCount
from epiqr.checkins.services import checkins_import, checkins_purge
from epiqr.core.timeutil import local, start_of_local_day
from tests.factories import PersonFactory


def test_purge_deletes_old_rows_and_keeps_daily_counts(venue, commune, settings):
    settings.EPIQR_RETENTION_DAYS = 21
    now = timezone.now()
    people = [PersonFactory() for _ in range(3)]
    old = start_of_local_day(local(now).date() - timedelta(days=30)) + timedelta(hours=9)
    CheckIn.objects.bulk_create(
        [
            CheckIn(venue=venue, person=p, checked_in_at=old + timedelta(minutes=i), method="self")
            for i, p in enumerate(people)
        ]
        + [CheckIn(venue=venue, person=people[0], checked_in_at=old + timedelta(hours=2), method="self")]
        + [CheckIn(venue=venue, person=people[1], checked_in_at=now - timedelta(days=3), method="self")]
    )
    old_decl = HealthDeclaration.objects.create(
        kind="domestic", full_name="Cũ", birth_year=1970, phone="0911111111", commune=commune, address="x"
    )
    HealthDeclaration.objects.filter(pk=old_decl.pk).update(created_at=old)
    HealthDeclaration.objects.create(
        kind="domestic", full_name="Mới", birth_year=1970, phone="0911111111", commune=commune, address="x"
    )
    report = checkins_purge()
    assert (report.checkins, report.declarations) == (4, 1)
    assert CheckIn.objects.count() == 1 and HealthDeclaration.objects.get().full_name == "Mới"
    daily = VenueDailyCount.objects.get(venue=venue, day=local(old).date())
    assert (daily.checkins, daily.people) == (4, 3)
    # purging again changes nothing, and the counts stay
    assert checkins_purge().checkins == 0
    assert VenueDailyCount.objects.get(venue=venue, day=local(old).date()).checkins == 4


def test_purge_command(venue, capsys):
    CheckIn.objects.create(
        venue=venue, person=PersonFactory(), checked_in_at=timezone.now() - timedelta(days=40), method="self"
    )
    call_command("purge")
    assert "1 check-ins" in capsys.readouterr().out
    assert CheckIn.objects.count() == 0 and VenueDailyCount.objects.filter(venue=venue).exists()


def test_import_is_idempotent_and_reports_bad_rows(venue, tmp_path, capsys):
    a, b = PersonFactory(), PersonFactory(phone="0977000111")
    at = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    text = (
        "venue_code,person,checked_in_at,has_symptoms\n"
        f"{venue.code},{a.public_id},{at.isoformat()},no\n"
        f"{venue.code},0977000111,{(at + timedelta(hours=1)).isoformat()},yes\n"
        f"{venue.code},{a.public_id},2099-01-01T00:00:00+07:00,\n"
        f"NOSUCH,{a.public_id},{at.isoformat()},\n"
        f"{venue.code},{a.public_id},not a time,\n"
    )
    report = checkins_import(stream=io.StringIO(text))
    assert (report.read, report.stored, len(report.refused)) == (5, 2, 3)
    assert [r.line for r in report.refused] == [4, 5, 6]
    assert CheckIn.objects.filter(person=b, has_symptoms=True, method="import").count() == 1
    path = tmp_path / "checkins.csv"
    path.write_text(text)
    call_command("import_checkins", str(path), "--quiet")
    out = capsys.readouterr().out
    assert "stored 0" in out and "already present 2" in out
    assert CheckIn.objects.count() == 2


def test_import_refuses_a_file_without_the_columns():
    from epiqr.core.errors import Invalid

    with pytest.raises(Invalid):
        checkins_import(stream=io.StringIO("a,b\n1,2\n"))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_import_outside_a_transaction_overlaps_parsing_and_copy(require_postgres, venue, tmp_path, capsys):
    """The command's real path on PostgreSQL (a second connection COPYs while the next chunk is parsed)."""
    from epiqr.checkins import importing

    people = [PersonFactory() for _ in range(30)]
    start = timezone.now() - timedelta(days=2)
    lines = ["venue_code,person,checked_in_at"]
    for i in range(25_000):  # three chunks
        lines.append(
            f"{venue.code},{people[i % 30].public_id},{(start + timedelta(seconds=5 * i)).isoformat()}"
        )
    lines.append(f"{venue.code},{people[0].public_id},tomorrow-ish")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    assert importing.IMPORT_CHUNK < 25_000
    call_command("import_checkins", str(path), "--quiet")
    assert "stored 25000" in capsys.readouterr().out
    call_command("import_checkins", str(path), "--quiet")
    assert "stored 0, already present 25000, rejected 1" in capsys.readouterr().out
    assert CheckIn.objects.count() == 25_000


def test_import_accepts_ids_in_any_case_and_rejects_bad_client_ids(venue):
    a = PersonFactory()
    at = (timezone.now() - timedelta(hours=1)).replace(microsecond=0).isoformat()
    text = (
        "venue_code,person,checked_in_at,client_id\n"
        f"{venue.code},{str(a.public_id).upper()},{at},{str(uuid.uuid4()).upper()}\n"
        f"{venue.code},{a.public_id},{at},{uuid.uuid4().hex}\n"
        f"{venue.code},{a.public_id},{at},not-a-uuid\n"
        f"{venue.code},{a.public_id}\n"
    )
    report = checkins_import(stream=io.StringIO(text))
    assert (report.stored, len(report.refused)) == (2, 2)
    assert "UUID" in report.refused[0].reason and report.refused[1].line == 5
