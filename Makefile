# The two commands that matter:
#   make run   install everything, build the demo province, serve it with a job worker
#   make test  install everything, lint (make lint), and run the whole test suite
# Both use SQLite and the ORM job broker unless DATABASE_URL / REDIS_URL say otherwise.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: run test fuzz lint install install-dev migrate demo worker messages check-deploy clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt package-lock.json | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt package-lock.json | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## Serve the demo on http://$(HOST) with a django-q2 worker beside it; Ctrl-C
## (or SIGTERM) stops both cleanly (project/run.py).
run: demo
	$(PY) manage.py setup_schedules
	$(PY) -m project.run $(HOST)

## Only the job worker (production runs it as its own service).
worker: install
	$(PY) manage.py qcluster

## ruff (pyproject.toml [tool.ruff]) and import-linter (the apps' layers, [tool.importlinter]).
lint: install-dev
	@echo "== ruff check ."
	@$(VENV)/bin/ruff check . || { echo "!! ruff check failed: fix the findings above (ruff check --fix fixes the [*] ones)" >&2; exit 1; }
	@echo "== lint-imports"
	@$(VENV)/bin/lint-imports || { echo "!! lint-imports failed: an import breaks the apps' layers (README, Layers)" >&2; exit 1; }

## Every test: in parallel (pytest.ini), then alone the few that stop a shared
## service (the PostgreSQL drills), so that they cut no other test's connection.
## Exit status 5 is pytest's "no test selected" (a PYTEST_ARGS="-k …" that picks none of them).
test: install-dev lint
	$(PY) -m pytest -m "not solo" $(PYTEST_ARGS)
	$(PY) -m pytest -m solo -n 0 $(PYTEST_ARGS) || [ $$? -eq 5 ]

## The hostile-input tests with 200 generated examples each instead of the suite's 10 (slow: not run by
## make test nor CI); HOSTILE_EXAMPLES=1000 make fuzz for more.
fuzz: install-dev
	HOSTILE_EXAMPLES=$${HOSTILE_EXAMPLES:-200} $(PY) -m pytest tests/security/test_hostile_input.py \
		tests/recognition/test_review_hostile.py $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l vi --no-location --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
