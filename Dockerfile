# mamori: one image for every role — `serve`, `worker`, `smtpd`, `migrate`, `backup`, …
# The entrypoint is the `mamori` command the package installs (the same one `pip install mamori`
# gives), so `docker run IMAGE worker` runs `mamori worker`.
#
# Runs as a non-root user; the root file system can be read-only (compose: read_only: true):
# everything mamori writes goes to MAMORI_DATA_DIR (/data, a volume) and the translations are
# compiled here, at build time, so nothing is written into the installed package at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MAMORI_DATA_DIR=/data \
    MAMORI_HOST=0.0.0.0 \
    MAMORI_PORT=8000 \
    MAMORI_STATIC_ROOT=/opt/mamori/static \
    MAMORI_STATIC_MANIFEST=true

COPY pyproject.toml README.md constraints.txt /src/
COPY mamori /src/mamori
RUN pip install --no-cache-dir -c /src/constraints.txt /src \
    && rm -rf /src \
    && python -c "from mamori.core.i18n import compile_catalogs; compile_catalogs(force=True)" \
    && MAMORI_DATA_DIR=/tmp/build-data mamori manage collectstatic --noinput \
    && rm -rf /tmp/build-data \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home mamori \
    && mkdir -p /data \
    && chown mamori:mamori /data \
    && chmod 0700 /data

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000 2525

# /healthz answers without the database; containers that serve no HTTP (worker, smtpd, migrate)
# switch this off in the compose file.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["mamori"]
CMD ["serve"]
