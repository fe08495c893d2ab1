# syntax=docker/dockerfile:1
# One image for the web app (gunicorn, the default command), the Celery worker and
# Celery beat; the Helm chart (helm/crm) gives each its command. No Docker engine
# runs in CI, so tests/deploy/test_image.py checks that every command, module and
# entry point named here exists in the project.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app
# msgfmt for compilemessages. Every Python dependency ships a manylinux wheel
# (psycopg[binary] brings its own libpq), so no compiler is needed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
# The dependencies alone first, exactly as locked (versions and hashes), so that a
# change to the code reuses this layer.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY . .
# The settings generate SECRET_KEY and BACKUP_ENCRYPTION_KEY into .secrets/ when
# they are unset; throwaway values keep real-looking keys out of the image.
# Neither command opens a database connection.
RUN SECRET_KEY=build-only BACKUP_ENCRYPTION_KEY=build-only \
    python manage.py collectstatic --noinput --verbosity 0 \
 && SECRET_KEY=build-only BACKUP_ENCRYPTION_KEY=build-only \
    python manage.py compilemessages --verbosity 0 \
 && python -m compileall -q /app


FROM ${PYTHON_IMAGE}
# PYTHONDONTWRITEBYTECODE: the root filesystem is read-only in the cluster and
# the build compiled everything already.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    MEDIA_ROOT=/var/lib/crm/media \
    BACKUP_DIR=/var/lib/crm/backups
# WeasyPrint (quote and order PDFs) needs pango, and Chinese text a CJK font
# (the PDF's CSS names WenQuanYi Zen Hei).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 crm \
 && useradd --system --uid 10001 --gid crm --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin crm \
 && install -d -o crm -g crm /var/lib/crm /var/lib/crm/media /var/lib/crm/backups
COPY --from=build /opt/venv /opt/venv
# Owned by root: the app user may read its code but never change it.
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# For `docker run`; Kubernetes ignores it and probes /healthz itself (the chart).
# A worker or beat container from this image has no HTTP server: disable it there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# gunicorn binds 0.0.0.0:$PORT when PORT is set. The worker and beat commands:
#   celery -A config worker --loglevel=INFO --concurrency=2
#   celery -A config beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler
CMD ["gunicorn", "-c", "python:ops.observability.gunicorn", "config.wsgi:application", "--workers", "2", "--threads", "4"]
