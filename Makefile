# Tongzhou (同舟) — two commands on a fresh Debian machine with Python 3.11:
#   make demo   virtualenv, install, migrate the embedded SQLite database, a county-scale demo, serve on :8000
#   make test   test dependencies (Debian's chromium, CJK fonts, gettext when missing), lint, the whole suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_SCALE ?= county
HOST ?= 127.0.0.1:8000

.PHONY: demo test serve install install-test system-deps pdf-deps messages migrate lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install -q -r requirements-test.lock
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

# Debian packages the suite needs: Chromium for browser tests, a CJK font for screenshots and PDFs, gettext for
# compiling translations, Pango for WeasyPrint's PDFs. Installed only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing >/dev/null; \
	fi

# What WeasyPrint needs for the statements' PDFs (Pango, a CJK font); `make demo` installs them when missing.
pdf-deps:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing >/dev/null \
	    || echo "PDF exports need:$$missing"; \
	fi

# The English catalogue is compiled here (.mo files are build outputs); msgfmt comes from Debian's gettext.
messages: $(VENV)/.installed
	@if ! command -v msgfmt >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null; fi
	@if command -v msgfmt >/dev/null 2>&1; then cd tongzhou && ../$(BIN)/django-admin compilemessages -v0; \
	else echo "msgfmt missing: English pages stay Chinese (apt-get install gettext)"; fi

migrate: $(VENV)/.installed messages
	$(BIN)/tongzhou migrate -v0

demo: migrate pdf-deps
	$(BIN)/tongzhou demo --scale $(DEMO_SCALE) --if-empty
	$(BIN)/tongzhou collectstatic --noinput -v0
	@echo "同舟 Tongzhou: http://$(HOST)/"
	$(BIN)/tongzhou runserver --insecure $(HOST)

serve: migrate
	$(BIN)/tongzhou runserver --insecure $(HOST)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check tongzhou bench
	$(BIN)/ruff format --check tongzhou bench
	$(BIN)/mypy tongzhou/core/ids.py tongzhou/core/money.py tongzhou/core/errors.py tongzhou/households/domain.py

test: install-test messages lint
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run.py all $(BENCH_ARGS)

clean:
	rm -rf var/test.sqlite3* bench/out
