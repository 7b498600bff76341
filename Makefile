# Nishabdham Subtitles. `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS := queue,postgres,monitoring,review,test,eval
# The diarization extra (pyannote.audio + torch, ~6 GB) lives in its own venv: .venv stays light,
# and the default suite proves the project works without it. See README "Speakers, music and applause".
DIAR_VENV  := .venv-diar
DIAR_BIN   := $(DIAR_VENV)/bin
DIAR_STAMP := $(DIAR_VENV)/.installed
# Debian packages: ffmpeg (decoding), redis-server (queue), chromium (browser tests), npm (builds the waveform editor),
# hunspell-te and tesseract-ocr-tel (Telugu word lists), fonts-lohit-telu (Telugu glyphs in the browser),
# docker-compose (checks docker/compose.yaml; no Docker engine is needed), postgresql (the job store's
# PostgreSQL tests start a throw-away cluster with its initdb and pg_ctl).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup system-packages venv model waveform-editor demo samples test test-fast lint bench soak clean eval-dev eval-dev-baseline diarization-venv image compose-test

help:
	@echo "make demo    - set up everything, then subtitle a bundled sample"
	@echo "make test    - set up everything, then run the whole test suite"
	@echo "make setup   - the set-up step alone (idempotent)"
	@echo "make image   - build the Docker images (docs/DEPLOY.md); make compose-test runs the stack"

setup: system-packages venv model waveform-editor

# The review UI's waveform editor (a Streamlit component): wavesurfer.js and its regions plugin from npm,
# pinned by the committed package-lock.json, bundled by esbuild into the package (no CDN at run time).
WAVE_DIR := nishabdham/review_ui/wave_editor
waveform-editor: $(WAVE_DIR)/build/main.js

$(WAVE_DIR)/build/main.js: $(WAVE_DIR)/package.json $(WAVE_DIR)/package-lock.json $(wildcard $(WAVE_DIR)/src/*)
	@command -v npm >/dev/null || { echo "npm is needed to build the waveform editor (Debian: apt-get install npm)"; exit 1; }
	cd $(WAVE_DIR) && npm ci --no-audit --no-fund && npm run build

system-packages:
	@missing=""; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -f /usr/share/hunspell/te_IN.dic ] || missing="$$missing hunspell-te"; \
	[ -f /usr/share/tesseract-ocr/5/tessdata/tel.traineddata ] || missing="$$missing tesseract-ocr-tel"; \
	command -v dawg2wordlist >/dev/null || missing="$$missing tesseract-ocr"; \
	fc-list 2>/dev/null | grep -qi telu || missing="$$missing fonts-lohit-telu"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $@

model: $(STAMP)
	$(BIN)/nishabdham setup

diarization-venv: $(DIAR_STAMP)

$(DIAR_STAMP): pyproject.toml constraints.txt constraints-diarization.txt
	@test -x $(DIAR_BIN)/python || $(PYTHON) -m venv $(DIAR_VENV)
	$(DIAR_BIN)/python -m pip install -q --upgrade pip
	$(DIAR_BIN)/python -m pip install -q -c constraints.txt -c constraints-diarization.txt -e '.[test,diarization,adapt]'
	$(DIAR_BIN)/nishabdham setup --diarization
	@touch $@

demo: setup
	$(BIN)/nishabdham transcribe samples/*/*.wav samples/*/*.flac samples/*/*.mp3 --out demo-output
	@echo "subtitles written to $(CURDIR)/demo-output"

# Regenerate the subtitles committed beside each sample (samples/*/subs/).
samples: setup
	@for dir in samples/*/; do \
	  $(BIN)/nishabdham transcribe --no-progress $$(ls $$dir*.wav $$dir*.flac $$dir*.mp3 2>/dev/null) --out $${dir}subs; \
	done

test: setup diarization-venv lint
	$(BIN)/python -m pytest -m "not diarization and not adapt"
	$(DIAR_BIN)/python -m pytest -m diarization tests/test_diarization_pyannote.py tests/test_diarization_builtin.py  # .venv-diar has no queue or review extras
	$(DIAR_BIN)/python -m pytest -m adapt tests/test_adapt_model.py

# Pure functions, formats, stages with fakes: nothing outside the repository (no dev data, model, Redis or browser).
test-fast: setup
	$(BIN)/python -m pytest -m "not model and not browser and not queue and not postgres and not diarization and not adapt and not devdata"

# The queue soak: 200 short recordings, two workers on PostgreSQL and Redis, a worker SIGKILLed every ~20 s,
# Redis and PostgreSQL restarted once (tests/test_queue_soak.py; `make test` runs a 20-job version).
# Figures: test-artifacts/soak-200.json (README "Batch processing and workers").
SOAK_JOBS ?= 200
soak: setup
	SOAK_JOBS=$(SOAK_JOBS) $(BIN)/python -m pytest tests/test_queue_soak.py -m soak -s -q --timeout=10800

# The Docker images of docker/compose.yaml (docs/DEPLOY.md), with no registry needed: where
# python:3.11-slim-bookworm cannot be pulled the base is made from Debian packages (debootstrap).
image:
	@docker info >/dev/null 2>&1 || { echo "no Docker engine answers: start one (as root: docker/engine.sh start)" >&2; exit 1; }
	docker/build-image.sh

# The stack for real (tests/test_queue_docker.py): installs and starts a Docker engine where none runs
# (and stops it after), builds the images, runs a batch through Redis, PostgreSQL, two workers and the
# review UI in containers, with a worker killed and Redis and PostgreSQL restarted. Needs root.
compose-test: venv system-packages
	$(BIN)/python -m pytest -m docker tests/test_queue_docker.py -p no:cacheprovider --timeout=2400 -q -s

bench: setup
	$(BIN)/python bench/bench_queue.py
	$(BIN)/python bench/review_page.py

# Style, formatting and the one-way import rule (docs/ARCHITECTURE.md); `make test` runs it first.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Regression guard: score the dev set and fail when CER or WER are worse than the committed
# baseline by more than the tolerance (nishabdham/evaluation/compare.py TOLERANCE). The test suite runs
# the same check (tests/test_eval_dev.py), so `make test` fails on a regression too.
DEV_DATA ?= ../shared/data/dev
eval-dev: setup
	mkdir -p test-artifacts
	NISHABDHAM_DEV_DATA=$(abspath $(DEV_DATA)) $(BIN)/nishabdham eval --dev --baseline eval/baseline-dev.json \
	  --json test-artifacts/eval-dev.json --html test-artifacts/eval-dev.html

# Regenerate the baseline, only together with the change that explains the new numbers.
eval-dev-baseline: setup
	NISHABDHAM_DEV_DATA=$(abspath $(DEV_DATA)) $(BIN)/nishabdham eval --dev --no-history --label baseline \
	  --json eval/baseline-dev.json

clean:
	rm -rf $(VENV) $(DIAR_VENV) demo-output .pytest_cache test-artifacts $(WAVE_DIR)/build $(WAVE_DIR)/node_modules
