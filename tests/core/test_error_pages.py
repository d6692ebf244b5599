import pytest
from django.test import RequestFactory

from epiqr.core.errors import Conflict, Forbidden, NotFound
from epiqr.core.middleware import ServiceErrorPages


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("Không có ống mẫu này."), 404),
        (Forbidden("Ngoài phạm vi."), 403),
        (Conflict("Đã đóng."), 409),
    ],
)
def test_a_service_refusal_in_a_page_is_a_4xx_page_with_its_message(db, error, status):
    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = ServiceErrorPages(lambda r: None).process_exception(request, error)
    assert response.status_code == status
    assert error.message in response.content.decode()


def test_other_exceptions_are_left_alone():
    assert (
        ServiceErrorPages(lambda r: None).process_exception(RequestFactory().get("/"), ValueError()) is None
    )


def test_an_htmx_fragment_request_gets_the_message_alone(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post("/tracing/contacts/1/status/")
    request.user = AnonymousUser()
    request.htmx = True
    response = ServiceErrorPages(lambda r: None).process_exception(
        request, Conflict("Không thể chuyển trạng thái.")
    )
    assert response.status_code == 409
    assert response.content.decode() == "Không thể chuyển trạng thái."


# --- the 400/403/404/500 pages people see with DEBUG off (as in production) ----------------------------

ERROR_URLCONF = "tests.core.error_urls"


def _page_of(response) -> str:
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/epiqr/base.css">' in html  # styled like every page
    assert 'class="card narrow error-page"' in html and 'href="/"' in html  # a way home
    return html


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "vi",
            {404: "Không tìm thấy trang", 403: "Không được phép", 500: "Hệ thống gặp lỗi", 400: "Không đọc"},
        ),
        (
            "en",
            {
                404: "Page not found",
                403: "Not allowed",
                500: "Something went wrong",
                400: "could not be read",
            },
        ),
    ],
)
def test_error_pages_are_styled_and_in_the_chosen_language(client, make_user, settings, language, texts):
    settings.DEBUG = False
    settings.ROOT_URLCONF = ERROR_URLCONF
    client.cookies["django_language"] = language
    client.force_login(make_user("venue_staff"))
    client.raise_request_exception = False
    for status, path in [
        (404, "/no/such/page/"),
        (403, "/boom/403/"),
        (500, "/boom/500/"),
        (400, "/boom/400/"),
    ]:
        response = client.get(path, headers={"Referer": "http://testserver/people/"})
        assert response.status_code == status, path
        html = _page_of(response)
        assert texts[status] in html, (status, language)
        assert f'<html lang="{language}">' in html
        assert 'href="http://testserver/people/"' in html  # "go back" to the page the person came from
        # Never Django's bare English page nor the exception's own internal text.
        assert "secret internal reason" not in html and "<title>Not Found</title>" not in html


def test_a_foreign_referer_is_not_offered_as_the_way_back(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/", headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 404 and "evil.example" not in response.content.decode()


def test_a_stale_form_gets_the_expired_page_not_django_s_csrf_text(db, settings):
    from django.test import Client

    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post("/declare/", {"full_name": "Nguyễn Văn An"})
    html = _page_of(response)
    assert response.status_code == 403 and "Biểu mẫu đã hết hạn" in html and "CSRF" not in html


def test_the_500_page_renders_even_when_the_database_is_what_failed(rf, settings, monkeypatch):
    from epiqr.core import views

    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(views, "render", broken)
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500 and "Hệ thống gặp lỗi" in response.content.decode()
