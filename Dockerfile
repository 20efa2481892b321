FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The sources in /app win over the installed copy: connector and the emulator read the
# Salesforce setup source in /app/salesforce/ (next to the packages).
ENV PYTHONPATH=/app
WORKDIR /app
COPY pyproject.toml ./
COPY hubsync ./hubsync
COPY marketing ./marketing
COPY connector ./connector
COPY settings_ui ./settings_ui
COPY salesforce_emulator ./salesforce_emulator
COPY pubsub_api ./pubsub_api
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput
EXPOSE 8000
# Liveness of the web server: /healthz answers without touching the database (a restart
# would not fix a database outage). docker-compose.yml gives the worker, beat and listener
# containers their own checks (manage.py salesforce_health --here).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The production server (hubsync/serve.py): waitress with the forwarded headers of
# TRUSTED_PROXY believed and request bodies bounded by MAX_REQUEST_BODY_BYTES.
CMD ["python", "-m", "hubsync.serve", "--listen", "0.0.0.0:8000"]
