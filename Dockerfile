# The residents' assistant: slim, runs as a non-root user, built from the repository alone.
#   docker build -t residents-bot .
# The build itself is deploy/build.sh; CI runs it outside Docker, then the same `db upgrade`,
# CMD and HEALTHCHECK (.ci/run, deploy/smoke.py), so the image cannot drift from what is tested.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

COPY . /src
RUN sh /src/deploy/build.sh /src /opt/venv /app \
    && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin residents \
    && mkdir -p /app/var \
    && chown residents /app/var

WORKDIR /app
USER residents
# Webhook mode serves /healthz on PORT; polling mode on HEALTH_PORT: the same port either way.
ENV PORT=8080 \
    HEALTH_PORT=8080 \
    LOG_FORMAT=json
EXPOSE 8080
# SQLite without DATABASE_URL (one container); use PostgreSQL for anything more (compose.yaml).
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["residents-bot", "health"]
# SIGTERM (docker stop, a redeploy): the updates in hand are finished, exit within 10 s.
CMD ["residents-bot", "run"]
