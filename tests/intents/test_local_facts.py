"""The municipality's own facts in one file: answers name them, an empty one says where to look."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.call import Heard, Say
from app.core.flow import Flow
from app.core.hours import OpeningHours
from app.core.matcher import Matcher
from app.core.verdict import Thresholds
from app.intents.catalogue import check_intents, load_intents
from app.intents.files import IntentFiles
from app.intents.local_facts import UNSET, LocalFacts, fill, read_facts
from tests.conftest import INTENTS_DIR, one_intent_folder

INTENT = """\
id: pas
topic: borgerservice
description: dit pas
source: https://www.borger.dk/pas
examples:
  - jeg skal have et nyt pas
  - mit pas er udløbet
answer: Ring til Borgerservice på {unit.borgerservice.phone}.
agent_summary: pas
"""


@pytest.fixture
def intent_dir(tmp_path):
    return one_intent_folder(tmp_path, INTENT)


def facts_file(intent_dir, text):
    (intent_dir.parent / "municipality.yaml").write_text(text, encoding="utf-8")


def spoken_answer(intent_dir):
    intents = load_intents(intent_dir)
    matcher = Matcher(intents, Thresholds(0.3, 0.2, 0.0))
    hours = OpeningHours.from_spec("mon-fri 10:00-14:00", "Europe/Copenhagen", "")
    at = datetime(2026, 1, 6, 11, tzinfo=ZoneInfo("Europe/Copenhagen"))
    flow = Flow(intents, matcher, hours, lambda: at, "Testrup Kommune")
    step = flow.step(flow.start("CA").call, Heard("jeg skal have et nyt pas"))
    return next(a.text for a in step.actions if isinstance(a, Say) and a.prompt_id == "pas")


def test_a_set_fact_is_said_in_the_answer(intent_dir):
    facts_file(intent_dir, "units:\n  borgerservice:\n    phone: 43 59 10 00\n")
    assert spoken_answer(intent_dir) == "Ring til Borgerservice på 43 59 10 00."


def test_an_empty_fact_makes_the_answer_say_where_to_find_it(intent_dir):
    facts_file(intent_dir, "units:\n  borgerservice:\n    phone:\n")
    assert spoken_answer(intent_dir) == f"Ring til Borgerservice på {UNSET['phone']}."
    assert load_intents(intent_dir).facts.unset == ["unit.borgerservice.phone"]


def test_a_placeholder_the_file_does_not_declare_is_a_path_line_error(intent_dir):
    problems = check_intents(intent_dir)  # no municipality.yaml at all
    assert len(problems) == 1
    assert problems[0].startswith(f"{intent_dir / 'pas.yaml'}:")
    assert "unknown placeholder '{unit.borgerservice.phone}'" in problems[0]
    assert "municipality.yaml" in problems[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("units:\n  borgerservice:\n    fax: 1234\n", "unknown fact 'fax'"),
        ("units:\n  borgerservice:\n    phone: 43591000\n", "written in pairs"),
        ("pages:\n  affald: http://example.dk\n", "must be an https:// address"),
        ("units: [oops\n", "not valid YAML"),
    ],
)
def test_a_bad_facts_file_is_refused_with_its_line(tmp_path, text, problem):
    path = tmp_path / "municipality.yaml"
    path.write_text(text, encoding="utf-8")
    problems = []
    read_facts(path, problems)
    assert len(problems) == 1 and problem in problems[0]
    assert problems[0].startswith(f"{path}:")


def test_fill_prefers_the_calls_values_then_the_facts():
    facts = LocalFacts({"unit.a.phone": "12 34 56 78", "page.b": None})
    text = fill("{municipality}: {unit.a.phone}, {page.b}", {"municipality": "X"}, facts)
    assert text == f"X: 12 34 56 78, {UNSET['page']}"


def test_the_facts_file_travels_with_the_intent_files(intent_dir):
    facts_file(intent_dir, "units:\n  borgerservice:\n    phone: 43 59 10 00\n")
    files = IntentFiles.read(intent_dir)
    assert "43 59 10 00" in files.facts
    assert IntentFiles.from_dict(files.to_dict()) == files
    changed = IntentFiles(files.index, files.intents, "units: {}\n")
    assert changed.changes_from(files) == {"municipality.yaml": "units: {}\n"}
    assert files.with_changes(changed.changes_from(files)) == changed


def test_the_shipped_facts_are_valid_and_phone_numbers_are_in_pairs():
    problems = []
    facts = read_facts(INTENTS_DIR.parent / "municipality.yaml", problems)
    assert problems == []
    assert facts.values["unit.visitation.phone"] == "43 59 17 71"
