import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("client_name", ["public_client", "lille_client"])
def test_the_openapi_schema_is_served_on_every_host(client_name, request):
    """The schema documents the API of an open-source project: public, and holds no data."""
    response = request.getfixturevalue(client_name).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")
