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
