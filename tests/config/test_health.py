import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
@pytest.mark.parametrize("host", ["localhost", "lille.localhost", "nowhere.localhost", "10.1.2.3"])
def test_probes_answer_on_every_host(host):
    client = Client(HTTP_HOST=host)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True


def test_readiness_reports_redis_down_as_degraded_and_stays_in_service(settings):
    """The pods still serve every page without Redis (config.health): ready, degraded."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "degraded": True,
        "checks": {"database": True, "redis": False},
    }


def test_readiness_with_everything_up_is_not_degraded(settings):
    settings.REDIS_URL = ""  # the in-process cache and broker: nothing to be down
    assert Client(HTTP_HOST="localhost").get("/readyz").json() == {
        "status": "ok",
        "degraded": False,
        "checks": {"database": True},
    }


def test_readiness_fails_when_the_database_is_unreachable(monkeypatch):
    from config import health

    monkeypatch.setattr(health, "database_is_reachable", lambda: False)
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
