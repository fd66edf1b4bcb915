"""The deployment files, checked by reading them: no Docker engine runs where tests run."""

import ipaddress
import json
import os
import subprocess
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


def test_compose_runs_a_tls_front_two_web_nodes_a_worker_and_a_durable_redis():
    services = compose()["services"]
    assert set(services) == {"proxy", "web-1", "web-2", "worker", "redis", "sip"}
    assert [n for n, s in services.items() if "profiles" in s] == ["sip"]  # optional
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--maxmemory-policy noeviction" in redis_command
    for name in ("web-1", "web-2", "worker"):
        service = services[name]
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        # the secret comes from .env and has no default: compose refuses to start without it
        assert service["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert "intents:/app/intents" in service["volumes"]  # admins' work survives a redeploy
        assert "data:/data" in service["volumes"] and "./models:/models:ro" in service["volumes"]
        assert service["environment"]["STT_MODEL_PATH"] == "${STT_MODEL_PATH:-}"
    for name in ("web-1", "web-2"):
        web = services[name]
        assert web["command"][:2] == ["voicebot", "serve"] and "ports" not in web
        assert "/readyz" in " ".join(web["healthcheck"]["test"])
        drain = int(web["environment"]["DRAIN_SECONDS"])
        assert int(web["stop_grace_period"].rstrip("s")) > drain  # docker waits out the drain
    assert services["worker"]["command"] == ["voicebot", "worker"]
    assert set(compose()["volumes"]) >= {"intents", "data", "redis", "caddy_data"}


def test_the_front_terminates_tls_for_the_public_host_and_proxies_to_both_nodes():
    proxy = compose()["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert proxy["ports"] == ["80:80", "443:443"]
    assert proxy["environment"]["WEB_NODES"].split() == ["web-1:8000", "web-2:8000"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$PUBLIC_HOST} {" in caddyfile
    assert "reverse_proxy {$WEB_NODES:web-1:8000 web-2:8000}" in caddyfile


def test_the_caddyfile_passes_caddys_own_validation(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
        "PUBLIC_HOST": "voicebot.example.dk",
        "ACME_EMAIL": "drift@example.dk",
    }
    config = str(ROOT / "deploy" / "Caddyfile")
    checked = subprocess.run(
        ["caddy", "validate", "--config", config, "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "Valid configuration" in checked.stdout + checked.stderr


def test_no_deployment_file_names_a_model_that_does_not_exist():
    for name in ("docker-compose.yml", "Dockerfile", "deploy/Caddyfile"):
        assert "vosk-model-small-da" not in (ROOT / name).read_text()


def test_dockerfile_installs_espeak_and_serves_with_the_model_mounted():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "espeak-ng" in dockerfile
    # Røst and the transducers run once their model is mounted; so does sip
    assert "'.[ctc,transducer,sip]'" in dockerfile
    # Smart Turn (TURN_MODEL=smart-turn-v3.2) is in the image, copied and checked at build
    assert "RUN python deploy/install_turn_model.py" in dockerfile
    assert "VOSK_MODEL_PATH" not in dockerfile  # no file names a model that does not exist
    assert 'CMD ["voicebot", "serve"' in dockerfile
    # the app user writes the intent set back to its volume (seeded from the image)
    assert "COPY --chown=voicebot:voicebot intents ./intents" in dockerfile


def test_the_kamailio_front_passes_kamailios_own_check():
    config = ROOT / "deploy" / "kamailio" / "kamailio.cfg"
    checked = subprocess.run(
        ["kamailio", "-c", "-f", str(config)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert "config file ok" in checked.stdout + checked.stderr


def test_the_kamailio_front_hands_calls_to_the_edge_and_media_to_rtpengine():
    kamailio = (ROOT / "deploy" / "kamailio" / "kamailio.cfg").read_text()
    rtpengine = (ROOT / "deploy" / "kamailio" / "rtpengine.conf").read_text()
    readme = (ROOT / "docs" / "channels.md").read_text()
    assert '#!substdef "!EDGE!sip:127.0.0.1:5070!g"' in kamailio
    assert "SIP_LISTEN=127.0.0.1:5070 SIP_TRUSTED=127.0.0.1/32" in readme
    assert '#!substdef "!RTPENGINE!udp:127.0.0.1:2223!g"' in kamailio
    assert "listen-ng = 127.0.0.1:2223" in rtpengine
    assert 'allow_source_address("1")' in kamailio  # trunks.list's group
    for line in (ROOT / "deploy" / "kamailio" / "trunks.list").read_text().splitlines():
        assert line.startswith("#") or line.split()[0] == "1"
    assert 'remove_hf("X-Voicebot-Handoff")' in kamailio  # a caller cannot forge a hand-off


def test_the_sip_edge_is_an_optional_service_reaching_the_nodes_through_the_front():
    sip = compose()["services"]["sip"]
    assert sip["profiles"] == ["sip"] and sip["command"] == ["voicebot", "sip"]
    env = sip["environment"]
    assert env["SIP_BOT_URL"] == "http://proxy:8080"
    assert "http://{$INTERNAL_LISTEN::8080} {" in (ROOT / "deploy" / "Caddyfile").read_text()
    low, high = env["SIP_RTP_PORTS"].split("-")
    assert f"{low}-{high}:{low}-{high}/udp" in sip["ports"]  # exactly the range the edge uses
    assert {"5060:5060/udp", "5060:5060/tcp"} <= set(sip["ports"])


def test_the_nodes_believe_forwarded_addresses_only_from_the_front():
    spec = compose()
    front = spec["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    (subnet,) = spec["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(front) in ipaddress.ip_network(subnet["subnet"])
    for name in ("web-1", "web-2"):
        assert spec["services"][name]["environment"]["TRUSTED_PROXIES"] == front


def test_an_installed_package_reads_its_data_and_writes_nothing_into_site_packages(tmp_path):
    """The Dockerfile installs the wheel, not the checkout: defaults must not point into it."""
    import shutil
    import sys

    source = tmp_path / "source"
    shutil.copytree(ROOT / "app", source / "app", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "wheels", source],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "wheels").glob("voicebot-*.whl"))
    site, workdir = tmp_path / "site", tmp_path / "srv"
    subprocess.run([*pip, "install", "--no-deps", "--target", site, wheel], check=True)
    workdir.mkdir()
    probe = (
        "from app.config import Settings; from app.bench.server import KO_INTENTS;"
        "from app.intents.catalogue import load_intents; s = Settings();"
        "print(s.data_dir, s.accounts(), KO_INTENTS, len(load_intents(KO_INTENTS).intents))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "ACCOUNTS_FILE")}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    data_dir, accounts, ko_intents, count = out
    assert Path(data_dir) == workdir / "var"
    assert Path(accounts) == workdir / "var" / "accounts.yaml"
    assert Path(ko_intents).is_relative_to(site)  # `voicebot bench calls` has its intents
    assert int(count) >= 4
