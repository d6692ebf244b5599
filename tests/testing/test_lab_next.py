"""POST /testing/lab/ redirects only to a path on this site, whatever `next` says (issue 9)."""

import pytest

from tests.core.test_safe_next import HOSTILE


@pytest.mark.parametrize("value", HOSTILE)
def test_the_lab_result_form_never_redirects_off_site(client, filled_tube, lab_tech, value):
    filled_tube("NX-0001", 1)
    client.force_login(lab_tech)
    response = client.post(
        "/testing/lab/", {"barcode": "NX-0001", "value": "negative", "tested_at": "", "next": value}
    )
    assert response.status_code == 302 and response["Location"] == "/testing/lab/"


def test_the_lab_result_form_goes_back_to_the_tube_page(client, filled_tube, lab_tech):
    filled_tube("NX-0002", 1)
    client.force_login(lab_tech)
    response = client.post(
        "/testing/lab/",
        {"barcode": "NX-0002", "value": "negative", "tested_at": "", "next": "/testing/tubes/NX-0002/"},
    )
    assert response["Location"] == "/testing/tubes/NX-0002/"
