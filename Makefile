# The two commands: `make run` (set up everything, then start the bot) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa

export PYTHONPATH := $(CURDIR)
export ACTION_PORT ?= 5055
export RASA_PORT ?= 5005
# Rasa's usage telemetry would send data out of the clinic: always off.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: help install test-deps pipeline train migrate run shell staff-user staff-password export-reviewed validate lint script unit integration browser conversation-test nlu-test test eval eval-rules eval-model bench purge lock clean

help:
	@echo "make run    set up everything on first use, then start the bot on http://127.0.0.1:$(RASA_PORT)"
	@echo "make test   lint, unit tests, data validation, training, conversation tests, held-out NLU check"
	@echo "make shell  chat with the bot in the terminal, beside 'make run' (ports SHELL_PORT=5105, SHELL_ACTION_PORT=5155; log in var/shell.log)"
	@echo "make staff-user NAME=<name>       create a staff console account (asks for the password);"
	@echo "                                  ROLE=reviewer also lets it label conversations (review page)"
	@echo "make staff-password NAME=<name>   set a new password for a staff account"
	@echo "make bench  speed figures beside a plain 'rasa init' bot (BENCH_ARGS=--quick for a short run)"
	@echo "make script everything the bot can say, for clinical review (pages in var/script/)"
	@echo "make train | validate | eval | purge | export-reviewed | migrate | lock | clean"

$(VENV)/.installed: requirements.lock scripts/install.sh
	@scripts/install.sh

install: $(VENV)/.installed

# Debian's chromium and PostgreSQL for the browser and storage tests (installed only when missing).
test-deps:
	@scripts/install-test-deps.sh

pipeline: install
	@$(PY) -m bot.core.nlp.spacy_pipeline --if-missing

train: pipeline
	@scripts/train.sh

migrate: install
	@$(PY) -m bot.storage.migrate

run: train migrate
	@exec scripts/run.sh

# Beside a running `make run`: own ports, the same model (trained here only when there is none; not retrained).
shell: pipeline migrate
	@CHANNEL="$(CHANNEL)" exec scripts/shell.sh

staff-user: migrate
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=<name>" >&2; exit 2; }
	@$(PY) -m bot.console add-user "$(NAME)" --role "$(or $(ROLE),staff)"

staff-password: migrate
	@test -n "$(NAME)" || { echo "usage: make staff-password NAME=<name>" >&2; exit 2; }
	@$(PY) -m bot.console reset-password "$(NAME)"

validate: install
	@$(PY) -m tools.validate

# Everything the bot can say, one Markdown page per category, for clinical review (SCRIPT_OUT=var/script).
SCRIPT_OUT ?= var/script
script: install
	@$(PY) -m tools.script --out "$(SCRIPT_OUT)"

# ruff on everything; mypy (pinned in requirements.in) on the Rasa-free core listed in pyproject.toml [tool.mypy].
lint: install
	@$(VENV)/bin/ruff check bot actions tools tests scripts
	@$(PY) -m mypy

unit: pipeline test-deps
	@$(PY) -m pytest -q tests --ignore=tests/integration --ignore=tests/browser

integration: train migrate
	@$(PY) -m pytest -q tests/integration

# Real chromium against the real servers; screenshots land in test-artifacts/.
browser: train migrate test-deps
	@$(PY) -m pytest -q tests/browser

conversation-test: train
	@$(PY) -m bot.server.rasa_cli test core --stories tests/stories --model "$$(cat models/CURRENT)" \
		--endpoints endpoints.yml --fail-on-prediction-errors --out results/core --no-plot

nlu-test: train
	@$(PY) -m tools.nlu_holdout --model "$$(cat models/CURRENT)" --data tests/nlu/holdout.yml

# Order as in CI: lint -> unit tests -> rasa data validate -> train -> conversation tests -> held-out NLU
# -> the servers started for real -> the pages in a real browser.
test: lint unit validate train conversation-test nlu-test integration browser
	@echo "make test: all checks passed"

purge: migrate
	@$(PY) -m tools.purge

# The console's review labels as training data under data/reviewed/ (masked; near-duplicates of the evaluation
# sets left out). Read the files, then `make train`.
export-reviewed: migrate
	@$(PY) -m tools.export_reviewed

# Figures on the blind sets, from the trained model: the risk verdict (recall, category, false alarms), the FAQ
# topic and out-of-scope, and the screen's outcome for people answering in their own words.
eval: train
	@$(PY) -m tools.risk_eval --model
	@$(PY) -m tools.faq_eval
	@$(PY) -m tools.screen_eval

# The risk rules alone (bot/core/risk/rules.yml), without the learned model or the classifier.
eval-rules: pipeline
	@$(PY) -m tools.risk_eval

eval-model: eval

# Latency, capacity, cold start and memory against Rasa's starter bot (figures, not a pass/fail test).
bench: train test-deps
	@$(PY) -m tools.bench $(BENCH_ARGS)

lock:
	@$(VENV)/bin/pip freeze --exclude-editable > requirements.lock && echo "requirements.lock updated"

clean:
	rm -rf models results pipelines .pytest_cache
