# Hotline: one image for the web app (gunicorn) and the job worker (`hotline worker`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOTLINE_DATA_DIR=/data HOTLINE_SCRIPTS_DIR=/app/ivr_scripts

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hotline ./hotline
COPY workers ./workers
COPY ivr_scripts ./ivr_scripts
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 hotline \
    && mkdir -p /data && chown hotline /data
USER hotline

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# Web: gunicorn serving the app factory. Worker: `docker run IMAGE hotline worker`.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "hotline:create_app()"]
