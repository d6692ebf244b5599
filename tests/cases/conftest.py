import pytest

from tests.tracing.conftest import policies_for


@pytest.fixture(autouse=True)
def _policies(request):
    policies_for(request)
