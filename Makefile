# One command each for a fresh machine: `make run`, `make test`, `make demo`.
# Every target builds the venv, installs, and compiles translations as needed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PO     := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: run demo test test-unit bench lint format i18n extract migrate clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	@$(VENV)/bin/pybabel -q compile -i $< -o $@

i18n: $(MO)  ## compile translations

extract: $(STAMP)  ## refresh messages.pot and merge it into every language
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -o locales/messages.pot --no-location --sort-output --project=wrse-bot --version=1.0 wrse_bot conversations bot.py
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

migrate: $(STAMP)
	$(PY) bot.py migrate

run: $(STAMP) i18n  ## the bot, polling Telegram (needs WRSE_BOT_TOKEN, WRSE_SECRET_KEY)
	$(PY) bot.py run

demo: $(STAMP) i18n  ## chat with the bot in this terminal; no token, no internet
	$(PY) bot.py demo

test: $(STAMP) i18n  ## everything: lint, unit, integration, end-to-end
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q

bench: $(STAMP) i18n
	$(PY) -m benchmarks.intake

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache demo-data $(MO)
