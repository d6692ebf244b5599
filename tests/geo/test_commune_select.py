"""The commune <select> written in one pass gives the same HTML as Django's templates (compared as
HTML: same elements, attributes, texts and escaping; whitespace between tags aside)."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.translation import override

from epiqr.geo.forms import CommuneSelect


class _TemplateSelect(CommuneSelect):
    def render(self, name, value, attrs=None, renderer=None):
        return forms.Select.render(self, name, value, attrs, renderer)


CHOICES = [
    ("", "—"),
    (101, "Hàng Trống"),
    (102, 'Phường "Cửa Nam" & <Hoàn Kiếm>'),
    (103, "Xã Đông Anh"),
]


@pytest.mark.parametrize("value", [None, "", 101, "102", 999, "<script>"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_commune", "required": True, "disabled": False}])
@pytest.mark.parametrize("province", [None, 1])
def test_same_html_as_django_template(value, attrs, province):
    fast, slow = CommuneSelect(province_code=province), _TemplateSelect(province_code=province)
    fast.choices = slow.choices = CHOICES
    with override("vi"):
        quick, reference = (
            str(fast.render("commune", value, attrs)),
            str(slow.render("commune", value, attrs)),
        )
    assert parse_html(quick) == parse_html(reference)
    assert "<script>" not in quick and "&lt;Hoàn Kiếm&gt;" in quick


def test_option_groups_keep_the_template():
    widget = CommuneSelect()
    widget.choices = [("Hà Nội", [(101, "Hàng Trống")]), ("Huế", [(201, "Phú Hội")])]
    html = str(widget.render("commune", 201))
    assert '<optgroup label="Hà Nội">' in html and '<option value="201" selected>Phú Hội</option>' in html
