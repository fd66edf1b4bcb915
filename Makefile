# Two entry points for people (README): `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test lint system-deps setup clean

run: setup  ## Talk to the bot in the terminal (embedded Redis, no Twilio needed)
	$(BIN)/voicebot chat

serve: setup system-deps  ## The phone service (needs PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN)
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

# Speech synthesis uses the host's espeak-ng (pyttsx3's engine on Linux); tests also need sox-free
# audio only, so espeak-ng is the one system package. Installed once, as root or through sudo.
system-deps:
	@command -v espeak-ng >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq espeak-ng >/dev/null; }

lint: setup
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
