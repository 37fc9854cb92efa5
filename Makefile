# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml scripts/setup.sh | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-at lint serve

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(PYTHON) $(VENV)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore .venv -v 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py generate_slots
	$(BIN)/python manage.py demo_banner --url http://$(HOST):$(PORT)
	# The task worker runs beside the server; Ctrl-C stops both.
	bash scripts/demo.sh $(BIN) $(HOST) $(PORT)

test: $(STAMP)
	bash scripts/test.sh $(VENV)

# The SQLite half as if the machine's clock read WHEN (TEST_AT_DB=postgres: that half), e.g.
# make test-at WHEN="2027-02-28 23:55 Asia/Urumqi"
test-at: $(STAMP)
	bash scripts/test_at.sh $(VENV) "$(WHEN)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
