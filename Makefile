# Two entry points for people (README): `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test lint system-deps setup clean

run: setup  ## Talk to the bot in the terminal (embedded Redis, no Twilio needed)
	$(BIN)/voicebot chat

serve: setup  ## The phone service (needs PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN; espeak-ng)
	$(BIN)/voicebot serve

test: setup system-deps  ## Everything the tests need, then the tests and the linter
	$(BIN)/ruff check app tests
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages: espeak-ng is pyttsx3's speech engine on Linux; the tests also drive the agents'
# page in Debian's Chromium (Playwright never downloads a browser here). Installed once.
SYSTEM_PACKAGES := espeak-ng chromium
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: setup
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
