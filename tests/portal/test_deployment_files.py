"""docker-compose.yml and the Dockerfile describe the production shape (Docker itself is not run here)."""

import pytest
import yaml

from tests.portal.helpers import ROOT

SERVICES = {"postgres", "redis", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_parses_and_names_the_five_services(compose):
    assert set(compose["services"]) == SERVICES


def test_compose_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name


def test_compose_app_services_share_image_and_configuration(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        s = services[name]
        assert s["build"] == ".", name
        assert s["image"] == "mcp-groups-portal:latest", name
        env = s["environment"]
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # refuses to start without one
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn portal.asgi:application --worker-class uvicorn_worker.UvicornWorker" in " ".join(
        services["web"]["command"]
    )
    assert "--reuse-port" in " ".join(services["web"]["command"])  # connections spread over the workers
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]


def test_compose_data_lives_in_volumes(compose):
    assert {"pgdata", "redisdata", "beatdata"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_dockerfile_builds_from_lock_and_serves_asgi_with_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#")
    assert "FROM python:3.12-slim" in text
    assert "uv sync --frozen" in text
    assert "collectstatic --noinput" in text
    assert '"gunicorn", "portal.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker"' in text
    assert '"--reuse-port"' in text.split("CMD", 1)[1]
    assert "USER portal" in text
