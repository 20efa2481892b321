FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The sources in /app win over the installed copy: connector and the emulator read the
# Salesforce setup source in /app/salesforce/ (next to the packages).
ENV PYTHONPATH=/app
WORKDIR /app
# The image runs as this user, never as root; it owns only var/ (SQLite, the filesystem
# broker) and /data (the emulator's volume in docker-compose.yml), nothing else.
RUN groupadd --system hubsync && useradd --system --gid hubsync --home-dir /app hubsync
COPY pyproject.toml ./
COPY hubsync ./hubsync
COPY marketing ./marketing
COPY connector ./connector
COPY settings_ui ./settings_ui
COPY salesforce_emulator ./salesforce_emulator
COPY pubsub_api ./pubsub_api
RUN pip install --no-cache-dir .
# The rest of the sources; .dockerignore keeps out .env, var/, .venv/, node_modules/, .git/
# and test artefacts (tests/production/test_docker.py checks both files).
COPY . .
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && mkdir -p /app/var /data && chown -R hubsync:hubsync /app/var /data
USER hubsync
EXPOSE 8000
# The web server's liveness: GET /healthz on its port with python's urllib (no curl in the
# image; hubsync/healthcheck.py). The worker, beat and listener containers of
# docker-compose.yml serve no HTTP and turn it off.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "hubsync.healthcheck"]
# The production server (hubsync/serve.py): waitress with the forwarded headers of
# TRUSTED_PROXY believed, request bodies bounded by MAX_REQUEST_BODY_BYTES, slow clients
# bounded by WEB_CHANNEL_TIMEOUT and WEB_CONNECTION_LIMIT.
CMD ["python", "-m", "hubsync.serve", "--listen", "0.0.0.0:8000"]
