import os
import subprocess
import sys

from app.privacy import scan_logs, scan_redis


def test_a_clean_store_passes(redis):
    redis.set("call:CA1:state", '{"turns": [{"text": "mit cpr er [CPR]"}]}')
    redis.set("handoff:CA1", '{"caller": "+4512345678"}', ex=3600)
    redis.hset("kpi:call:CA1", "record", '{"caller": "3f9a0c"}')
    assert list(scan_redis(redis)) == []


def test_a_planted_cpr_number_fails(redis):
    redis.set("review:1", "jeg hedder Ib og mit cpr er 120385-1234")
    assert list(scan_redis(redis)) == ["redis review:1: CPR- or phone-like number stored"]


def test_a_number_kept_for_an_agent_must_expire(redis):
    redis.set("callback:CA1", '{"number": "23456789"}')
    assert list(scan_redis(redis)) == ["redis callback:CA1: personal number kept without an expiry"]


def test_logs_are_scanned_line_by_line(tmp_path):
    log = tmp_path / "voicebot.log"
    log.write_text("call ended call_id=CA1 outcome=resolved\nheard: ring på 12 34 56 78\n")
    assert list(scan_logs([log])) == [f"{log}:2: CPR- or phone-like number logged"]


def test_the_audit_command_exits_1_on_a_finding(redis_url, redis, tmp_path):
    env = {**os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "app", "privacy", "audit"]
    clean = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert (clean.returncode, clean.stdout.strip()) == (0, "no raw personal numbers found")
    redis.set("notes", "ring til 12345678")
    dirty = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert dirty.returncode == 1 and "redis notes:" in dirty.stdout
