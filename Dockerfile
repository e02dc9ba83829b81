# Hotline: one image for the web app (gunicorn) and the job worker (`hotline worker`).
#   docker compose up                      (redis, web, worker: see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOTLINE_DATA_DIR=/data HOTLINE_SCRIPTS_DIR=/app/ivr_scripts \
    HOTLINE_BIND=0.0.0.0:8000 PROMETHEUS_MULTIPROC_DIR=/tmp/hotline-metrics

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hotline ./hotline
COPY workers ./workers
COPY ivr_scripts ./ivr_scripts
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 hotline \
    && mkdir -p /data /tmp/hotline-metrics && chown hotline /data /tmp/hotline-metrics
USER hotline

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# Web: gunicorn with the settings in hotline/gunicorn_conf.py (WEB_CONCURRENCY,
# HOTLINE_THREADS, HOTLINE_BIND). Worker: the same image with `hotline worker`.
CMD ["gunicorn", "-c", "python:hotline.gunicorn_conf", "hotline:create_app()"]
