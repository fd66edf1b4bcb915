"""Answer governance: owners, reviews and how answers fare, from intent file to page and back."""

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from app.intents.catalogue import load_intents
from app.outcomes.kpi.events import CallRecord
from app.outcomes.review.answers import answer_rows
from tests.staff_app import log_in

TODAY = date(2026, 11, 26)


def record(sid, intents, outcome="resolved", caller=None, at=None):
    at = at or datetime(2026, 11, 20, 9, tzinfo=UTC)
    reason = "requested" if outcome == "transferred" else None
    return CallRecord(sid, "phone", at, at, outcome, reason, "x", intents, None, True, caller)


def never_reviewed(path):
    """The shipped answers are all reviewed: these tests need one that never was."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^(reviewed|reviewed_by|review_note): .*\n", "", text), "utf-8")


def test_due_and_flagged_answers_come_first_with_their_reasons(app_settings):
    never_reviewed(app_settings.intents_dir / "mitid.yaml")
    intents = load_intents(app_settings.intents_dir)
    records = [record(f"CA{i}", ("mitid",), "transferred") for i in range(4)]
    records += [record("CA9", ("mitid",)), record("CA8", ("pas",), caller="h1")]
    later = datetime(2026, 11, 20, 15, tzinfo=UTC)
    records.append(record("CA7", (), caller="h1", at=later))  # came back 6 hours later
    rows = {r.intent: r for r in answer_rows(intents, records, TODAY, 180)}
    mitid = rows["mitid"]
    assert (mitid.given, mitid.transferred_after, mitid.flagged) == (5, 4, True)
    assert mitid.why() == ["aldrig gennemgået", "mange vil tale med en medarbejder bagefter"]
    assert rows["pas"].recontacted == 1 and rows["pas"].owner == "Borgerservice"
    assert "ja" not in rows and "menneske" not in rows  # system intents give no answers


def test_a_recorded_review_is_written_to_the_intent_file_and_shown(app, client, redis):
    path = app.extensions["voicebot"].settings.intents_dir / "pas.yaml"
    never_reviewed(path)
    path.write_text("# ejes af Borgerservice\n" + path.read_text(encoding="utf-8"), "utf-8")
    log_in(client)
    page = client.get("/admin/answers").get_data(as_text=True)
    assert "Svar og fagansvarlige" in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    done = client.post("/admin/answers/pas/review", data={"csrf": csrf, "note": "Gebyr tjekket"})
    assert done.status_code == 302
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ejes af Borgerservice\n")  # comments kept
    assert "reviewed: 2026-11-26" in text and "reviewed_by: anna" in text
    assert "review_note: Gebyr tjekket" in text
    intent = app.extensions["voicebot"].library.current().intents["pas"]
    assert (intent.reviewed, intent.reviewed_by) == (date(2026, 11, 26), "anna")
    page = client.get("/admin/answers").get_data(as_text=True)
    assert "26. november 2026 af anna" in page
    assert client.post("/admin/answers/nope/review", data={"csrf": csrf}).status_code == 404
    assert client.post("/admin/answers/pas/review", data={"note": "x"}).status_code == 403


def test_a_bad_reviewed_date_is_a_path_and_line_error(app_settings):
    from app.intents.catalogue import check_intents

    path = app_settings.intents_dir / "pas.yaml"
    never_reviewed(path)
    path.write_text(path.read_text(encoding="utf-8") + "reviewed: sidste uge\n", "utf-8")
    (problem,) = check_intents(app_settings.intents_dir)
    assert problem.startswith(f"{path}:") and "'reviewed' must be a date" in problem


@pytest.mark.parametrize("reviewed, exit_code", [(None, 1), ("fresh", 0)])
def test_intents_due_lists_answers_for_their_owners(app_settings, tmp_path, reviewed, exit_code):
    directory = app_settings.intents_dir
    never_reviewed(directory / "pas.yaml")
    if reviewed:
        fresh = (date.today() - timedelta(days=3)).isoformat()
        for path in directory.glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if "answer:" in text and "topic: system" not in text:
                text = re.sub(r"(?m)^reviewed: .*\n", "", text)  # reviewed long ago, or never
                path.write_text(text + f"reviewed: {fresh}\n", "utf-8")
    env = {
        **os.environ,
        "INTENTS_DIR": str(directory),
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "intents", "due"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == exit_code, done.stderr
    lines = done.stdout.splitlines()
    if exit_code:
        assert any(line.startswith("Borgerservice\tpas\t") for line in lines)
        assert "aldrig gennemgået" in done.stdout
    assert lines[-1].endswith("(ANSWER_REVIEW_DAYS=180)")


def test_the_answers_page_shows_what_is_approved_phone_chat_source_and_links(app, client):
    import html

    intent = app.extensions["voicebot"].library.current().intents["koerekort"]
    log_in(client)
    page = html.unescape(client.get("/admin/answers").get_data(as_text=True))
    row = page[page.index('data-intent="koerekort"') :]
    row = row[: row.index("</tr>")]
    assert intent.answer in row and intent.web_answer in row
    assert f'href="{intent.source}"' in row
    for link in intent.links:
        assert f'href="{link.url}"' in row and link.title in row


def test_an_admin_edits_an_answers_text_which_is_validated_logged_and_served(app, client, redis):
    import json

    from app.outcomes.review.promote import CHANGES_KEY

    path = app.extensions["voicebot"].settings.intents_dir / "pas.yaml"
    path.write_text("# ejes af Borgerservice\n" + path.read_text(encoding="utf-8"), "utf-8")
    log_in(client)
    page = client.get("/admin/answers").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    phone = "Et nyt pas bestiller du i Borgerservice. Book en tid på {page.tidsbestilling}."
    chat = "Et nyt pas bestiller du i Borgerservice.\n\n- Book en tid først.\n- Tag dit gamle pas."
    form = {"csrf": csrf, "answer": phone, "web_answer": chat}
    assert client.post("/admin/answers/pas/edit", data=form).status_code == 302
    intent = app.extensions["voicebot"].library.current().intents["pas"]
    assert (intent.answer, intent.web_answer) == (phone, chat)
    assert (intent.reviewed_by, str(intent.reviewed)) == ("anna", "2026-11-26")
    assert path.read_text(encoding="utf-8").startswith("# ejes af Borgerservice\n")
    logged = [json.loads(c) for c in redis.lrange(CHANGES_KEY, 0, 1)]
    assert {(c["who"], c["intent"], c["field"]) for c in logged} == {
        ("anna", "pas", "answer"),
        ("anna", "pas", "web_answer"),
    }
    page = client.get("/admin/answers").get_data(as_text=True)
    assert "er ændret og gemt" in page

    for bad, problem in [
        ({"answer": "Ring på 20 12 34 56."}, "CPR- eller telefonnummer"),
        ({"answer": "Se {page.findes_ikke}."}, "findes_ikke"),
        ({"answer": "   "}, "Teksten er tom"),
    ]:
        before = path.read_text(encoding="utf-8")
        client.post("/admin/answers/pas/edit", data={"csrf": csrf, "web_answer": "", **bad})
        assert problem in client.get("/admin/answers").get_data(as_text=True)
        assert path.read_text(encoding="utf-8") == before  # nothing stored
    assert client.post("/admin/answers/nope/edit", data={"csrf": csrf}).status_code == 404
    assert client.post("/admin/answers/pas/edit", data={"answer": "x"}).status_code == 403
