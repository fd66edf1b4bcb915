# Two entry points for people (README): `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TURN_MODEL_FILE := $(VENV)/share/voicebot/smart-turn-v3.2-cpu.onnx

.PHONY: run serve test lint system-deps test-system-deps setup clean

run: setup  ## Talk to the bot in the terminal (embedded Redis, no Twilio needed)
	$(BIN)/voicebot chat

serve: setup system-deps  ## The phone service (needs PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN)
	$(BIN)/voicebot serve

test: setup test-system-deps  ## Everything the tests need, then the tests and the linter
	$(BIN)/ruff check app tests
	$(BIN)/python -m pytest

setup: $(STAMP) $(TURN_MODEL_FILE)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Smart Turn v3.2 (TURN_MODEL=smart-turn-v3.2): one file from PyPI's pipecat-ai wheel, checked.
$(TURN_MODEL_FILE): deploy/install_turn_model.py | $(STAMP)
	$(BIN)/python deploy/install_turn_model.py

# Debian packages, installed once (as root, or through sudo): espeak-ng is pyttsx3's speech engine
# on Linux; the tests also drive the agents' page in Debian's Chromium (Playwright is pointed at
# it and never downloads a browser); axe-core comes from the npm registry (tests/browser); caddy
# runs deploy/Caddyfile in front of two nodes; SIPp (sip-tester) and baresip call the SIP edge;
# kamailio checks deploy/kamailio/kamailio.cfg.
define apt_install
	@missing=""; for p in $(1); do command -v $$p >/dev/null || dpkg -s $$p >/dev/null 2>&1 || \
	  missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call apt_install,espeak-ng libcairo2)

test-system-deps:
	$(call apt_install,espeak-ng libcairo2 chromium npm caddy sip-tester baresip-core kamailio kamailio-tls-modules)
	@test -f tests/browser/node_modules/axe-core/axe.min.js || \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent

lint: setup
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
