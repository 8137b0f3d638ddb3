# omnimeet: the emulator on its embedded SQLite (data in the /data volume), or on PostgreSQL when
# OMNIMEET_DATABASE_URL is set (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/omnimeet
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install '.[postgres]' \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home omnimeet \
 && mkdir -p /data \
 && chown omnimeet:omnimeet /data

ENV OMNIMEET_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
USER omnimeet
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/_omnimeet/health', timeout=4).status != 200)"]

CMD ["omnimeet", "serve", "--host", "0.0.0.0", "--port", "8080"]
