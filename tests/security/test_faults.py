"""Processes that recover: kill -9 each part of a real `voicebot serve` during calls.

The server runs as operators run it (embedded Redis and worker, supervised by gunicorn's
master); the test is Twilio and the callers. After each kill the service is back within
seconds, the caller is never left in silence, and the KPI counts exactly what the calls did.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from redis import Redis
from rq import Worker

from app.bench.server import Child, free_port
from tests.conftest import INTENTS_DIR, wait_until
from tests.twilio import AUTH_TOKEN, PUBLIC_BASE, TwilioCall

pytestmark = pytest.mark.slow

BACK_WITHIN_SECONDS = 5.0
KOERKORT_KEY = "5"  # menu digit of Kørekort (intents/index.yaml): its needs are asked by key
RENEW_KEY = "1"  # then the first of them: renewing a licence


class Served(Child):
    """`voicebot serve` on the embedded defaults (its own Redis and worker), its output kept."""

    def __init__(self, data_dir: Path) -> None:
        port = free_port()
        self.env = {
            **os.environ,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "DATA_DIR": str(data_dir),
            "INTENTS_DIR": str(INTENTS_DIR),
            "OPENING_HOURS": "mon-sun 00:00-23:59",
        }
        for name in ("REDIS_URL", "VOSK_MODEL_PATH", "SECRET_KEY"):
            self.env.pop(name, None)
        self.redis_url = f"unix://{(data_dir / 'redis' / 'redis.sock').resolve()}"
        args = ["-v", "serve", "--host", "127.0.0.1", "--port", str(port)]
        super().__init__(args, self.env, port, log=data_dir / "serve.log")


def kill_and_time_recovery(pid, recovered):
    os.kill(pid, signal.SIGKILL)
    return wait_until(recovered, BACK_WITHIN_SECONDS)


def answered_by_keypad(base):
    call = TwilioCall(base)
    call.dial()
    call.wait_for_prompt("menu_only", timeout=60)
    call.press(KOERKORT_KEY)
    call.wait_for_prompt("choose", timeout=60)
    call.press(RENEW_KEY)
    call.wait_for_prompt("koerekort", timeout=60)
    return call


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("serve"))
    try:
        wait_until(server.ready, 90)
        redis = Redis.from_url(server.redis_url)
        # First start renders every prompt in the worker; let it finish before we break things.
        wait_until(lambda: redis.llen("rq:queue:voicebot") == 0, 240)
        yield server, redis
    finally:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=60)


def test_the_embedded_worker_takes_each_job_at_once_and_stays_ready_for_a_minute(served):
    # The worker shared the web pool's 1 s socket timeout, which cut RQ's 5 s blocking read:
    # it backed off for up to a minute at a time and /readyz lost its heartbeat.
    server, redis = served
    started = time.monotonic()
    while time.monotonic() - started < 60:
        waiting = TwilioCall(server.base)
        waiting.post("/twilio/callback-offer?queue=borgerservice", {"Digits": "1"})
        wait_until(lambda key=f"callback:{waiting.call_sid}": redis.exists(key), 2)
        for _ in range(10):  # idle between jobs, longer than one blocking read
            assert server.ready(), requests.get(server.base + "/readyz", timeout=2).text
            time.sleep(1)
    assert b"could not connect" not in server.log.read_bytes()


def test_every_part_comes_back_and_no_call_is_lost(served):
    server, redis = served
    calls = {}

    # A whole call, as a baseline.
    first = answered_by_keypad(server.base)
    first.hang_up()
    calls[first.call_sid] = "resolved"

    # The RQ worker dies: a new one takes the next callback request within seconds.
    old_worker = server.child(b"app\x00worker")
    recovered = kill_and_time_recovery(
        old_worker, lambda: server.child(b"app\x00worker") not in (None, old_worker)
    )
    print(f"\nrq worker back in {recovered:.2f} s")
    new_worker = server.child(b"app\x00worker")
    started = wait_until(  # a Python process loading the app: seconds more on a loaded machine
        lambda: any(w.pid == new_worker for w in Worker.all(connection=redis)), 30
    )
    print(f"rq worker taking jobs {started:.2f} s later")
    waiting = TwilioCall(server.base)
    waiting.post("/twilio/callback-offer?queue=borgerservice", {"Digits": "1"})
    wait_until(lambda: redis.exists(f"callback:{waiting.call_sid}"), BACK_WITHIN_SECONDS)

    # The gunicorn worker dies mid-call: the caller hears an apology and reaches a person.
    broken = TwilioCall(server.base)
    broken.dial()
    broken.wait_for_prompt("menu_only", timeout=60)
    recovered = kill_and_time_recovery(
        server.child(b""), lambda: requests.get(server.base + "/healthz").ok
    )
    print(f"gunicorn worker back in {recovered:.2f} s")
    assert broken.closed.wait(15)
    doc = broken.after_stream()
    assert doc[0].tag == "Say" and doc[0].text.startswith("Undskyld")
    assert doc.find("Enqueue") is not None
    calls[broken.call_sid] = "transferred"

    # Redis dies mid-call: the call goes on, and its outcome arrives once Redis is back.
    time.sleep(1.5)  # appendfsync everysec: what came before is on disk
    during = TwilioCall(server.base)
    during.dial()
    during.wait_for_prompt("menu_only", timeout=60)
    recovered = kill_and_time_recovery(server.child(b"redis-server"), server.ready)
    print(f"redis-server back in {recovered:.2f} s")
    during.press(KOERKORT_KEY)
    during.wait_for_prompt("choose", timeout=30)
    during.press(RENEW_KEY)
    during.wait_for_prompt("koerekort", timeout=30)
    during.hang_up()
    calls[during.call_sid] = "resolved"

    def recorded():
        records = {}
        for key in redis.scan_iter("kpi:call:*"):
            record = json.loads(redis.hget(key, "record"))
            records[record["call_id"]] = record["outcome"]
        return records

    wait_until(lambda: recorded() == calls, 20)
    assert redis.exists(f"callback:{waiting.call_sid}")


def test_the_audit_passes_after_real_calls(served):
    server, _ = served
    env = {**server.env, "REDIS_URL": server.redis_url}
    audit = subprocess.run(
        [sys.executable, "-m", "app", "privacy", "audit", "--log", str(server.log)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert audit.returncode == 0, audit.stdout


def test_data_directory_is_private(served):
    server, _ = served
    data = Path(server.env["DATA_DIR"])
    assert (data / "redis").stat().st_mode & 0o777 == 0o700
    for path in (data / "redis").rglob("*"):
        if path.is_file() and path.suffix != ".lock":
            assert path.stat().st_mode & 0o077 == 0, path
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600


def test_stopping_is_orderly_and_quiet(served):
    server, _ = served
    before = server.log.read_text()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    stopping = server.log.read_text()[len(before) :]
    assert "Traceback" not in stopping, stopping
    assert processes_using(server.env["DATA_DIR"]) == []


def processes_using(directory):
    """Pids whose command line names `directory` (our redis-server does, with its socket)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and directory.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found
