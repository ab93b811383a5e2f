# The production image: one image for web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    STATIC_ROOT=/app/staticfiles

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first (cached while only the code changes), exactly as locked, without dev tools.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN uv sync --frozen --no-dev \
 && DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home /app portal \
 && mkdir -p /app/.dev \
 && chown -R portal /app/.dev

USER portal
EXPOSE 8000

# Web by default; docker-compose.yml runs the same image as worker and beat with other commands.
# ASGI (uvicorn workers under gunicorn): pages, /api/ and the MCP server at /mcp from the same workers.
# --reuse-port: each worker listens on a socket of its own and the kernel spreads connections over
# them (on one shared socket the first worker to wake takes most, and the others idle).
CMD ["gunicorn", "portal.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker", "--bind", "0.0.0.0:8000", "--workers", "3", "--reuse-port", "--access-logfile", "-", "--forwarded-allow-ips", "*"]
