import json
import os
import subprocess
import sys

from app.outcomes.kpi.store import KpiStore
from tests.conftest import INTENTS_DIR


def test_match_writes_one_json_object_per_line_in_order(voicebot):
    lines = ["jeg skal forny mit kørekort", "hvad bliver vejret i morgen", "", "nej tak"]
    done = voicebot("match", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert [o["intent"] for o in out] == ["koerekort", None, None, "nej"]
    assert [o["decision"] for o in out] == ["answer", "none", "none", "answer"]
    for o in out:
        assert set(o) == {"text", "intent", "confidence", "decision", "alternatives"}
        assert 0 <= o["confidence"] <= 1
        assert all(isinstance(i, str) and 0 <= c <= 1 for i, c in o["alternatives"])


def test_match_handles_thousands_of_lines_in_one_process(voicebot):
    lines = ["jeg har mistet mit sundhedskort", "øh kørekort", "bla bla"] * 1000
    done = voicebot("match", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 3000


def chat_records(redis):
    # A phone call an earlier in-process test left open can end by quiet time-out meanwhile
    # and record itself in the shared test Redis; the chat's own records are what count here.
    return [r for r in KpiStore(redis).records() if r.channel == "terminal"]


def test_chat_resolves_a_whole_call_and_records_it(voicebot, redis):
    done = voicebot(
        "chat", "--at", "2026-11-26T11:00", stdin="jeg skal forny mit kørekort\nnej tak\n"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "automatisk assistent" in out and "Borgerservice" in out and "Farvel" in out
    assert out.strip().endswith("-- outcome: resolved; answered: koerekort")
    (record,) = chat_records(redis)
    assert (record.outcome, record.topic, record.channel) == ("resolved", "koerekort", "terminal")


def test_chat_transfers_when_asked_and_records_the_reason(voicebot, redis):
    said = "jeg skal forny mit kørekort\nen medarbejder tak\n"
    done = voicebot("chat", "--at", "2026-11-26T11:00", stdin=said)
    assert "-- transfer to queue 'borgerservice' (reason: requested)" in done.stdout
    assert done.stdout.strip().endswith("-- outcome: transferred (requested); answered: koerekort")
    (record,) = chat_records(redis)
    assert (record.outcome, record.reason) == ("transferred", "requested")


def test_chat_ending_input_is_a_hang_up(voicebot):
    done = voicebot("chat", "--at", "2026-11-26T11:00", stdin="")
    assert "-- outcome: abandoned" in done.stdout


def test_kpi_report_after_calls(voicebot):
    voicebot("chat", "--at", "2026-11-26T11:00", stdin="jeg skal forny mit kørekort\nnej tak\n")
    voicebot("chat", "--at", "2026-11-26T11:00", stdin="0\n")
    done = voicebot("kpi", "report")
    assert "resolved without transfer  50.0%" in done.stdout
    data = json.loads(voicebot("kpi", "report", "--format", "json").stdout)
    assert data["total"]["calls"] == 2
    assert data["transfer_reasons"] == {"requested": 1}
    later = voicebot("kpi", "report", "--since", "2026-11-27", "--format", "json").stdout
    assert json.loads(later)["total"]["calls"] == 0


def test_intents_check_passes_the_shipped_set(voicebot):
    done = voicebot("intents", "check")
    assert done.returncode == 0
    *notes, last = done.stdout.strip().splitlines()
    assert last == f"{INTENTS_DIR}: ok"
    facts = INTENTS_DIR.parent / "municipality.yaml"
    assert notes, "the shipped facts file leaves some facts empty: they are listed"
    assert all(n.startswith(f"{facts}: unset {{") for n in notes), notes


def test_intents_check_prints_path_line_problem_and_exits_1(voicebot, tmp_path):
    import shutil

    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    broken = tmp_path / "intents" / "da" / "pas.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "anwser: x\n", encoding="utf-8")
    done = voicebot("intents", "check", str(tmp_path / "intents" / "da"))
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert line.startswith(f"{broken}:") and line.endswith("unknown key 'anwser'")


def test_intents_check_warns_about_an_answer_too_long_to_say_on_the_phone(voicebot, tmp_path):
    import shutil

    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    long = tmp_path / "intents" / "da" / "pas.yaml"
    text = long.read_text(encoding="utf-8")
    long.write_text(text.replace("answer: >-\n", "answer: >-\n  " + "ord " * 51 + "\n"), "utf-8")
    done = voicebot("intents", "check", str(tmp_path / "intents" / "da"))
    assert done.returncode == 0, done.stdout  # a warning, not an error
    (warning,) = [line for line in done.stdout.splitlines() if ": warning: " in line]
    assert warning.startswith(f"{long}: warning: answer has")
    assert warning.endswith("keep it under 50)")


def test_intents_test_runs_the_regression_suite_and_names_confusable_pairs(voicebot):
    done = voicebot("intents", "test")
    assert "test utterances matched their intent" in done.stdout
    assert "confusable (held-out examples taken for another intent):" in done.stdout
    assert done.returncode == 0, done.stdout  # the shipped files pass their own suite


def test_intents_eval_reads_several_held_out_sets_as_one(voicebot, tmp_path):
    import shutil

    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    kept = {"pas", "koerekort", "flytning", "ja", "nej", "farvel", "menneske", "gentag", "tak"}
    for path in (tmp_path / "intents" / "da").glob("*.yaml"):
        if path.stem not in kept:
            path.unlink()  # a small set: cross-validation takes a second, not a minute
    needs = tmp_path / "needs.tsv"
    needs.write_text(
        "jeg skal have et nyt pas\tpas\nmit kørekort skal fornyes\tkoerekort\n", encoding="utf-8"
    )
    other = tmp_path / "other.tsv"
    other.write_text(
        "vi flytter til en ny adresse\tflytning\nhvad bliver vejret i morgen\t\n", encoding="utf-8"
    )
    done = voicebot(
        "intents",
        "eval",
        str(tmp_path / "intents" / "da"),
        "--heldout",
        str(needs),
        "--heldout",
        str(other),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("answerable (all)       n=3 ") for line in lines), done.stdout
    assert any(line.startswith("out of scope (all)     n=1 ") for line in lines), done.stdout


def test_serve_refuses_a_weak_secret_with_one_line(redis_url, tmp_path):
    env = {
        **os.environ,
        "PUBLIC_BASE_URL": "https://voicebot.example.dk",
        "TWILIO_AUTH_TOKEN": "x" * 32,
        "SECRET_KEY": "changeme",
        "DATA_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: SECRET_KEY must be at least 32 random characters "
        "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
    ]


def test_accounts_refuse_a_short_password(voicebot):
    done = voicebot("accounts", "add", "anna", "--password", "kort", stdin="")
    assert done.returncode == 1 and "12 characters" in done.stderr


def test_chat_hands_off_and_requests_callbacks_as_a_call_does(voicebot, redis):
    from app.outcomes.callbacks import CallbackStore

    done = voicebot(
        "chat",
        "--at",
        "2026-11-26T19:00",
        "--caller",
        "+4520123456",
        stdin="jeg vil tale med en medarbejder\nja\nja\nja\n",
    )
    assert "callback requested to the calling number" in done.stdout
    (made,) = CallbackStore(redis).open_requests()
    assert made.number == "+4520123456"
    done = voicebot("chat", "--at", "2026-11-26T11:00", stdin="0\n")
    assert redis.zcard("handoffs") == 1  # on the agents' page


def test_bench_frames_prints_the_cost_of_each_stage_of_the_audio_path(voicebot):
    done = voicebot("bench", "frames")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines[:4]] == [
        "WebSocket frame (wsproto)",
        "Twilio JSON + base64",
        "μ-law → PCM",
        "VAD + turn detector",
    ]
    assert lines[-1].startswith("all") and lines[-1].endswith("core-s per call-s")


def test_match_explain_adds_the_evidence_to_each_line(voicebot):
    done = voicebot("match", "--explain", stdin="hjemmeplejen\n")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["decision"] == "confirm" and "tells it from" in shown["why"]
    assert [c["intent"] for c in shown["candidates"][:2]] == ["hjemmepleje_besoeg", "hjemmepleje"]
