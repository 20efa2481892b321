# syntax=docker/dockerfile:1.19
# hubsync's image. The Salesforce emulator of docker-compose.yml is an image of its own
# (emulator/Dockerfile): this one holds neither its sources nor, unless built with
# HUBSYNC_EXTRAS=demo, the emulator or Werkzeug (docker-compose.yml's demo builds it so: the
# emulator's client adapter routes hubsync's Salesforce calls to the emulator's container).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The image runs as this user, never as root; it owns only var/ (SQLite, the filesystem
# broker), nothing else.
RUN groupadd --system hubsync && useradd --system --gid hubsync --home-dir /app hubsync
ARG HUBSYNC_EXTRAS=""
# Installed editable: the code runs from /app (connector reads the Salesforce setup source in
# /app/salesforce/ next to its package), with its dependencies, among them the Pub/Sub
# interface of pubsub-api/. The emulator's folder is only mounted for this step (the demo
# extra installs the emulator from it), never copied.
COPY pyproject.toml ./
COPY pubsub-api ./pubsub-api
COPY hubsync ./hubsync
COPY marketing ./marketing
COPY connector ./connector
COPY operations ./operations
COPY settings_ui ./settings_ui
RUN --mount=type=bind,source=emulator,target=/app/emulator,rw \
    pip install --no-cache-dir -e ".${HUBSYNC_EXTRAS:+[$HUBSYNC_EXTRAS]}"
# The rest of the sources but the emulator; .dockerignore keeps out .env, var/, .venv/,
# node_modules/, .git/ and test artefacts (tests/production/test_docker.py checks both files).
COPY --exclude=emulator . .
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R hubsync:hubsync /app/var
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
