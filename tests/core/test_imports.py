"""The one import report: every import answers in its shape, and a refused row reaches the job's report."""

from epiqr.core.imports import ImportReport, RefusedRow
from epiqr.core.progress import Progress


class Heard(Progress):
    def __init__(self):
        super().__init__()
        self.heard = []

    def refuse(self, *, line=None, key="", message):
        super().refuse(line=line, key=key, message=message)
        self.heard.append((line, key, message))


def test_a_refused_row_is_kept_with_its_line_and_told_to_the_progress_once():
    progress = Heard()
    report = ImportReport(read=3, stored=1, unchanged=1, progress=progress)
    report.refuse(line=4, reason="Thiếu tên.", key="x" * 300, code="name_missing")
    assert report.refused == [RefusedRow(4, "Thiếu tên.", "x" * 100, "name_missing")]
    assert progress.heard == [(4, "x" * 100, "Thiếu tên.")] and progress.refused == 1
    assert str(report.refused[0]) == "4: Thiếu tên." and not report.ok
    assert report.summary() == {"read": 3, "stored": 1, "unchanged": 1, "refused": 1}


def test_a_file_refused_as_a_whole_is_not_ok_and_stores_nothing():
    report = ImportReport()
    assert report.ok
    report.refuse_file("Tệp trống.")
    assert not report.ok and report.file_error == "Tệp trống." and report.stored == 0
