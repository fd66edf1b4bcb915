"""The deployment files, checked by reading them: no Docker engine runs where tests run."""

import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).parents[1]
# The Compose specification's JSON schema, as docker-compose 1.29.2 ships it
# (compose/config/compose_spec.json, Apache-2.0).
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "compose_spec.json").read_text())


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_follows_the_compose_schema():
    jsonschema.Draft201909Validator(SCHEMA).validate(compose())


def test_the_schema_check_can_fail():
    broken = {**compose(), "services": {"web": {"image": "x", "portz": ["80"]}}}
    assert not jsonschema.Draft201909Validator(SCHEMA).is_valid(broken)


def test_compose_runs_web_worker_and_a_durable_redis():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "redis"}
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--maxmemory-policy noeviction" in redis_command
    for name in ("web", "worker"):
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert services["web"]["command"][:2] == ["voicebot", "serve"]
    assert services["worker"]["command"] == ["voicebot", "worker"]
    assert "./models:/models:ro" in services["web"]["volumes"]
    # the engine and model come from .env; unset, the keypad menu (no model path is named)
    assert services["web"]["environment"]["STT_MODEL_PATH"] == "${STT_MODEL_PATH:-}"


def test_dockerfile_installs_espeak_and_serves_with_the_model_mounted():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "espeak-ng" in dockerfile
    assert "'.[ctc]'" in dockerfile  # Røst runs in the image once its model is mounted
    assert "VOSK_MODEL_PATH" not in dockerfile  # no file names a model that does not exist
    assert 'CMD ["voicebot", "serve"' in dockerfile
