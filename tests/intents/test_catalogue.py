from pathlib import Path

import pytest

from app.errors import IntentSetError
from app.intents.catalogue import SYSTEM_TOPIC, SystemIntent, check_intents, load_intents
from tests.conftest import INTENTS_DIR, one_intent_folder

CATALOGUE = {
    "sundhedskort",
    "laegeskift",
    "hjemmepleje",
    "hjaelpemidler",
    "genoptraening",
    "flytning",
    "adressebeskyttelse",
    "byggetilladelse",
    "boligstoette",
    "ejendomsskat",
    "ledighed",
    "sygedagpenge",
    "kontanthjaelp",
    "koerekort",
    "mitid",
    "tidsbestilling",
    "pas",
    "aabningstider",
    "affald",
    "digitalpost",
    "menneske",
    "farvel",
    "ja",
    "nej",
    "gentag",
    "hilsen",
    "tak",
}

GOOD = """\
id: pas
topic: borgerservice
description: dit pas
examples:
  - jeg skal have et nyt pas
answer: Bestil tid i Borgerservice.
agent_summary: pas
source: https://www.borger.dk/pas
"""


@pytest.fixture
def intent_dir(tmp_path):
    """A copy of index.yaml with one valid intent, to break one way per test."""
    return one_intent_folder(tmp_path, GOOD)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_set_is_valid_and_covers_the_catalogue(intents):
    assert check_intents(INTENTS_DIR) == []
    assert set(intents.intents) >= CATALOGUE  # the starting catalogue, and growing


def test_every_shipped_intent_has_tests_that_are_not_its_examples(intents):
    for intent in intents.intents.values():
        assert intent.tests, intent.id
        assert not set(intent.tests) & set(intent.examples), intent.id


def test_a_valid_directory_has_no_problems(intent_dir):
    assert check_intents(intent_dir) == []


def test_yaml_syntax_error_names_file_and_line(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "examples: [unclosed\n")
    (problem,) = check_intents(intent_dir)
    assert problem.startswith(f"{path}:10: YAML syntax")


def test_unknown_key_names_its_line(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "anwser: typo\n")
    assert check_intents(intent_dir) == [f"{path}:9: unknown key 'anwser'"]


def test_missing_field(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("topic: borgerservice\n", ""))
    assert check_intents(intent_dir) == [f"{path}:1: missing 'topic'"]


def test_missing_answer_for_an_answering_intent(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("answer: Bestil tid i Borgerservice.\n", ""))
    assert check_intents(intent_dir) == [f"{path}:1: missing 'answer' (needed to answer)"]


def test_an_answer_names_the_page_its_facts_come_from(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("source: https://www.borger.dk/pas\n", ""))
    assert check_intents(intent_dir) == [
        f"{path}:1: missing 'source' (the official page the answer's facts come from)"
    ]


def test_id_must_match_file_name(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("id: pas", "id: passet"))
    assert check_intents(intent_dir) == [f"{path}:1: id 'passet' does not match file name 'pas'"]


def test_duplicate_ids(intent_dir):
    other = write(intent_dir, "pas2.yaml", GOOD.replace("nyt pas", "andet pas"))
    problems = check_intents(intent_dir)
    assert f"{other}:1: id 'pas' does not match file name 'pas2'" in problems
    assert f"{other}:1: duplicate id 'pas' (also in {intent_dir / 'pas.yaml'})" in problems


def test_unknown_topic(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("topic: borgerservice", "topic: rejser"))
    assert check_intents(intent_dir) == [f"{path}:2: unknown topic 'rejser'"]


def test_unknown_queue(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "queue: nowhere\n")
    assert check_intents(intent_dir) == [f"{path}:9: unknown queue 'nowhere'"]


def test_empty_examples(intent_dir):
    text = GOOD.replace("examples:\n  - jeg skal have et nyt pas\n", "examples: []\n")
    path = write(intent_dir, "pas.yaml", text)
    assert check_intents(intent_dir) == [f"{path}:4: 'examples' is empty"]


def test_example_in_two_intents(intent_dir):
    text = GOOD.replace("id: pas", "id: koerekort").replace(
        "topic: borgerservice", "topic: koerekort"
    )
    other = write(intent_dir, "koerekort.yaml", text.replace("nyt pas", "Nyt pas!"))
    first = intent_dir / "koerekort.yaml"
    (problem,) = check_intents(intent_dir)
    # Files are read in name order, so koerekort.yaml is first and pas.yaml is the duplicate.
    assert problem == (
        f"{intent_dir / 'pas.yaml'}:5: example 'jeg skal have et nyt pas' "
        f"is also an example in {first}:5"
    )
    assert other == first


def test_yaml_boolean_trap_is_explained(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "  - yes\n".replace("  - yes", "tests:\n  - yes"))
    assert check_intents(intent_dir) == [f"{path}:10: YAML reads 'yes' as True; quote it"]


def test_unknown_placeholder_in_answer(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD.replace("Borgerservice.", "Borgerservice {aabent}."))
    (problem,) = check_intents(intent_dir)
    assert problem.startswith(f"{path}:6: unknown placeholder '{{aabent}}'")


def test_wrong_type(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "follow_up: maybe\n")
    assert check_intents(intent_dir) == [f"{path}:9: 'follow_up' must be a bool"]


def test_every_problem_is_reported_not_just_the_first(intent_dir):
    write(intent_dir, "a.yaml", "id: a\n")
    write(intent_dir, "b.yaml", "- not a mapping\n")
    problems = check_intents(intent_dir)
    assert any("a.yaml:1: missing 'topic'" in p for p in problems)
    assert any("b.yaml:1: expected a mapping" in p for p in problems)


def test_load_raises_with_all_problems(intent_dir):
    write(intent_dir, "pas.yaml", "id: pas\n")
    with pytest.raises(IntentSetError) as err:
        load_intents(intent_dir)
    assert len(err.value.problems) == 2


def test_web_answer_and_links_are_read_for_the_chat(intent_dir):
    extra = (
        "web_answer: |-\n  Bestil tid i Borgerservice.\n  - Tag et foto med.\n"
        "links:\n  - title: Pas på borger.dk\n    url: https://www.borger.dk/pas\n"
    )
    write(intent_dir, "pas.yaml", GOOD + extra)
    assert check_intents(intent_dir) == []
    intent = load_intents(intent_dir).intents["pas"]
    assert intent.web_answer.endswith("- Tag et foto med.")
    assert [(link.title, link.url) for link in intent.links] == [
        ("Pas på borger.dk", "https://www.borger.dk/pas")
    ]


@pytest.mark.parametrize(
    "links, problem",
    [
        ("  - title: Pas\n    url: http://www.borger.dk/pas\n", "url must be an https:// address"),
        ("  - title: Pas\n    url: javascript:alert(1)\n", "url must be an https:// address"),
        ("  - url: https://www.borger.dk/pas\n", "must have exactly 'title' and 'url'"),
        ("  - title: ''\n    url: https://www.borger.dk/pas\n", "needs a title"),
        ("  - https://www.borger.dk/pas\n", "must have exactly 'title' and 'url'"),
    ],
)
def test_a_bad_link_is_a_path_and_line_error(intent_dir, links, problem):
    path = write(intent_dir, "pas.yaml", GOOD + "links:\n" + links)
    (found,) = check_intents(intent_dir)
    assert found.startswith(f"{path}:10: link 1 {problem}")


def test_web_answer_placeholders_are_checked_like_the_answer(intent_dir):
    path = write(intent_dir, "pas.yaml", GOOD + "web_answer: Åbent {aabent}.\n")
    (problem,) = check_intents(intent_dir)
    assert problem.startswith(f"{path}:9: unknown placeholder '{{aabent}}'")


def test_a_queue_may_name_the_sip_address_its_calls_are_transferred_to(intent_dir):
    index = intent_dir.parent / "index.yaml"
    text = index.read_text().replace(
        "jobcenter: {label: Jobcenter}",
        "jobcenter: {label: Jobcenter, sip: 'sip:jobcenter@cc.kommune.dk:5060'}",
    )
    index.write_text(text)
    assert load_intents(intent_dir).queue_sip == {"jobcenter": "sip:jobcenter@cc.kommune.dk:5060"}


@pytest.mark.parametrize(
    "target", ["tel:+4543591000", "sip:kø@cc", "sip:a@cc;transport=tcp", "sip:a@cc?X-A=1", 5060]
)
def test_a_queue_sip_address_must_be_a_plain_sip_uri(intent_dir, target):
    index = intent_dir.parent / "index.yaml"
    text = index.read_text()
    index.write_text(
        text.replace("jobcenter: {label: Jobcenter}", f"jobcenter: {{sip: {target!r}}}")
    )
    line = 1 + text.splitlines().index("  jobcenter: {label: Jobcenter}")
    assert check_intents(intent_dir) == [
        f"{index}:{line}: queue 'jobcenter' sip must look like sip:user@host[:port]"
    ]


def test_the_shipped_set_defines_every_intent_the_flow_acts_on():
    intents = load_intents(INTENTS_DIR).intents
    assert {i.value: intents[i.value].topic for i in SystemIntent if i.value in intents} == {
        i.value: SYSTEM_TOPIC for i in SystemIntent
    }
