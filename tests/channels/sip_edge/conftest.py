"""A real `voicebot serve` with `voicebot sip` in front, and SIPp to call it; 127.0.0.1 only."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.bench.server import Child, free_port
from tests.conftest import INTENTS_DIR, seed_data_dir, wait_until

HERE = Path(__file__).parent
PASSWORD = "asterisk-kode-0123456789"


@pytest.fixture
def agent_port():
    """Where the contact centre's borgerservice queue takes SIP calls (a SIPp UAS, when run)."""
    return free_port()


@pytest.fixture
def edge_env():
    """Settings a test adds to the edge's (`{agent}` stands for agent_port)."""
    return {}


@pytest.fixture
def edge(redis_url, redis, tmp_path, prompt_cache_dir, agent_port, edge_env):
    """A bot node and the SIP edge in front of it; yields (the edge's SIP port, its log).

    borgerservice names its own SIP address in index.yaml; other queues use SIP_TRANSFER_URI.
    """
    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    index = tmp_path / "intents" / "index.yaml"
    queue = (
        f"borgerservice: {{label: Borgerservice, sip: 'sip:borgerservice@127.0.0.1:{agent_port}'}}"
    )
    index.write_text(index.read_text().replace("borgerservice: {label: Borgerservice}", queue))
    seed_data_dir(prompt_cache_dir, tmp_path / "var")
    bot_port, sip_port = free_port(), free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path / "var"),
        "INTENTS_DIR": str(tmp_path / "intents" / "da"),
        "PUBLIC_BASE_URL": "https://voicebot.example.dk",
        "ASTERISK_PASSWORD": PASSWORD,
        "SECRET_KEY": "sip-hemmelighed-" + "x" * 32,
        "OPENING_HOURS": "mon-sun 00:00-23:59",
        "SIP_LISTEN": f"127.0.0.1:{sip_port}",
        "SIP_TRUSTED": "127.0.0.1/32",
        "SIP_BOT_URL": f"http://127.0.0.1:{bot_port}",
        "SIP_RTP_PORTS": "20000-20999",  # below the ephemeral range free_port() draws from
        "SIP_TRANSFER_URI": "sip:{queue}@127.0.0.1:5999",  # queues without their own
    }
    env.update({k: v.format(agent=agent_port) for k, v in edge_env.items()})
    env.pop("TWILIO_AUTH_TOKEN", None)
    (tmp_path / "bot").mkdir()
    (tmp_path / "sip").mkdir()
    args = ["serve", "--host", "127.0.0.1", "--port", str(bot_port), "--threads", "8"]
    bot = Child(args, env, bot_port, log=tmp_path / "bot" / "log.txt").wait_ready()
    sip = Child(["sip"], env, log=tmp_path / "sip" / "log.txt")
    wait_until(lambda: "listening" in (tmp_path / "sip" / "log.txt").read_text(), 30)
    yield sip_port, tmp_path / "sip" / "log.txt"
    sip.stop()
    bot.stop()


def sipp_command(scenario, port=None, source="127.0.0.1", transport="u1", local_port=None):
    """SIPp running one call of a scenario: to the edge at `port`, or (no port) as a UAS."""
    options = ["-m", "1", "-i", source, "-t", transport, "-timeout", "60s", "-nostdin"]
    options += ["-p", str(local_port or free_port()), "-mp", str(free_port())]
    target = [f"127.0.0.1:{port}"] if port else []
    return ["sipp", *target, "-sf", str(HERE / scenario), *options, "-trace_err", "-trace_msg"]


def sipp(scenario, port, tmp_path, source="127.0.0.1", transport="u1", more=()):
    """One call of a SIPp scenario over UDP (u1) or TCP (t1); 0: every step went as scripted."""
    command = [*sipp_command(scenario, port, source, transport), *more]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    return done.returncode
