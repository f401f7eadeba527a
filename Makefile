# Pledge: one entry point. `make run` and `make test` set up everything they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test test-fast lint format bench messages i18n-check lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the lock or the project's metadata changes.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Pledge is starting at http://127.0.0.1:$(PORT)/"
	@echo "  (web server, Celery worker and Celery beat; Ctrl-C stops all three)"
	@echo
	PLEDGE_PORT=$(PORT) PLEDGE_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/pytest

# For quick local runs: all but the browser, Celery worker and fault tests (CI runs everything).
test-fast: install
	$(BIN)/pytest -m "not browser and not celery_worker and not faults"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

# Needs GNU gettext: refresh the catalogue from the code, then compile it.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --add-location file
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore=.venv

# Needs GNU gettext: every string in the code is in the catalogue and translated.
i18n-check: install
	$(BIN)/python -m tests.i18n_check

lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var
