import os
import subprocess
import sys

from app.infra.privacy import scan_logs, scan_redis


def test_a_clean_store_passes(redis):
    redis.set("call:CA1:state", '{"turns": [{"text": "mit cpr er [CPR]"}]}')
    redis.set("handoff:CA1", '{"caller": "+4512345678"}', ex=3600)
    redis.hset("kpi:call:CA1", "record", '{"caller": "3f9a0c"}')
    assert list(scan_redis(redis)) == []


def test_the_municipalitys_own_numbers_in_the_intent_set_are_public(redis):
    redis.set("intents:version:1", '{"facts": "units:\\n  visitation:\\n    phone: 43 59 17 71"}')
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


def test_counters_and_identifiers_are_not_numbers(redis):
    redis.hset("kpi:counters:2026-11-26", mapping={"outcome:resolved": 19, "hour:10": 1, "x": 6})
    redis.hset("kpi:counters:2026-11-27", mapping={"a": 12, "b": 34, "c": 56, "d": 78})
    redis.set(
        "call:CA0102031234abcdef0123456789abcdef:state",
        '{"call_id": "CA0102031234abcdef'
        '0123456789abcdef", "started_at": "2026-11-26T10:00:00.123456+00:00"}',
    )
    redis.set("staff:session:x", "1203851234" + "A" * 30)  # a token, not a number
    assert list(scan_redis(redis)) == []


def test_access_log_fields_do_not_add_up_to_a_number(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(
        '127.0.0.1 "POST /twilio/voice HTTP/1.1" 200 1011 0.01s\n'
        '127.0.0.1 "GET /admin/?since=2026-11-01&until=2026-12-01 HTTP/1.1" 200 12 34s\n'
        "call ended call_id=CA0102031234abcdef0123456789abcdef outcome=resolved\n"
    )
    assert list(scan_logs([log])) == []
    log.write_text("callback to=+4512345678\nheard 120385 1234 here\n")
    assert len(list(scan_logs([log]))) == 2
