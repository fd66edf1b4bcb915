import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.core.call import Heard
from app.errors import IntentSetError
from app.intents.versions import SharedIntents
from app.outcomes.review.promote import CHANGES_KEY, promote
from app.outcomes.review.store import ReviewStore, missed_turns
from tests.conftest import INTENTS_DIR

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def intents_copy(tmp_path):
    shutil.copytree(INTENTS_DIR.parent, tmp_path / "intents")
    return tmp_path / "intents" / "da"


@pytest.fixture
def library(intents_copy, redis):
    """This node's view of the cluster's intent set, written back to the copy."""
    return SharedIntents(intents_copy, redis)


def words(text):
    return " ".join(sorted(set(text.split())))


def test_missed_utterances_are_grouped_counted_and_dated(redis):
    store = ReviewStore(redis, 30, words)
    first = store.add("jeg vil søge om friplads", "none", None, T)
    again = store.add("søge om friplads jeg vil", "none", "kontanthjaelp", T + timedelta(days=2))
    other = store.add("parkeringslicens", "confirm_rejected", "byggetilladelse", T)
    assert first == again != other
    top = store.items()[0]
    assert (top.text, top.count, top.first_seen, top.last_seen) == (
        "jeg vil søge om friplads",
        2,
        T.isoformat(),
        (T + timedelta(days=2)).isoformat(),
    )
    assert top.guess == "kontanthjaelp"
    assert 0 < redis.ttl(f"review:item:{first}") <= 30 * 24 * 3600


def test_retention_drops_exactly_what_is_older(redis):
    store = ReviewStore(redis, 30, words)
    old = store.add("gammel", "none", None, T - timedelta(days=31))
    new = store.add("ny", "none", None, T - timedelta(days=29))
    assert store.expire(before=T - timedelta(days=30)) == 1
    assert store.get(old) is None and store.get(new) is not None


def test_a_call_gives_its_misses(flow_at):
    flow = flow_at()
    call = flow.start("CA1").call
    for said in ("bla bla", "hvad med min kanin", "menneske"):
        call = flow.step(call, Heard(said)).call
    assert [(t, r) for t, r, _ in missed_turns(call)] == [
        ("bla bla", "none"),
        ("hvad med min kanin", "none"),
    ]


def test_promote_keeps_comments_and_order_and_logs_who(intents_copy, redis):
    path = intents_copy / "pas.yaml"
    path.write_text(
        "# Pas – redigeret af Borgerservice\n" + path.read_text(encoding="utf-8"), encoding="utf-8"
    )
    library = SharedIntents(intents_copy, redis)
    promote(library, "pas", "mit pas er blevet væk i lufthavnen", "examples", "anna")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Pas – redigeret af Borgerservice\nid: pas\n")
    assert "  - mit pas er blevet væk i lufthavnen\n" in text
    assert redis.lindex(CHANGES_KEY, 0).decode().count('"who": "anna"') == 1


def test_an_edit_that_breaks_the_set_is_refused_with_path_and_line(library, intents_copy):
    before = (intents_copy / "pas.yaml").read_text(encoding="utf-8")
    with pytest.raises(IntentSetError) as refused:
        promote(library, "pas", "jeg skal forny mit kørekort", "examples", "anna")
    assert refused.value.problems[0].startswith(f"{intents_copy / 'pas.yaml'}:")
    assert "also an example in" in refused.value.problems[0]
    assert (intents_copy / "pas.yaml").read_text(encoding="utf-8") == before


def test_concurrent_promotions_on_two_nodes_both_land(intents_copy, redis, tmp_path):
    other = tmp_path / "node-b" / "intents"
    shutil.copytree(INTENTS_DIR.parent, other)
    nodes = [SharedIntents(intents_copy, redis), SharedIntents(other / "da", redis)]
    said = ["passet er forsvundet i toget", "mit pas blev taget i tasken"]
    threads = [
        threading.Thread(target=promote, args=(node, "pas", s, "examples", "a"))
        for node, s in zip(nodes, said, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for node in nodes:
        node.sync()
        assert all(s in node.current().intents["pas"].examples for s in said)
        assert all(s in (node.directory / "pas.yaml").read_text(encoding="utf-8") for s in said)


def test_a_promoted_phrase_is_understood_by_another_process(library, intents_copy, tmp_path):
    phrase = "jeg skal have noget til rejsen til thailand"

    def match():
        done = subprocess.run(
            [sys.executable, "-m", "app", "match"],
            input=phrase + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "INTENTS_DIR": str(intents_copy),
                "PATH": "/usr/bin:/bin",
                "DATA_DIR": str(tmp_path),
            },
        )
        return done.stdout

    assert '"intent": "pas"' not in match()
    promote(library, "pas", phrase, "examples", "anna")
    assert '"intent": "pas"' in match()


def test_a_change_that_makes_tests_miss_is_held_back_until_confirmed(library, intents_copy):
    from app.config import Settings
    from app.outcomes.review.promote import RegressionWarning

    before = (intents_copy / "pas.yaml").read_text(encoding="utf-8")
    said = "jeg har mistet kørekortet på ferien"  # a test of koerekort_mistet, as pas's example
    with pytest.raises(RegressionWarning) as held:
        promote(library, "pas", said, "examples", "anna", Settings().thresholds())
    assert held.value.new_misses[0].startswith("koerekort_mistet: ")
    assert (intents_copy / "pas.yaml").read_text(encoding="utf-8") == before
    promote(library, "pas", said, "examples", "anna")  # confirmed
    assert said in (intents_copy / "pas.yaml").read_text(encoding="utf-8")


def test_a_number_or_mark_alone_is_never_a_miss(flow_at):
    from dataclasses import replace

    from app.core.call import Turn

    flow = flow_at()
    call = flow.start("CA-keys").call
    turns = (
        Turn("[telefon]#", None, "none", 0.0),
        Turn("12", None, "none", 0.0),
        Turn("min kanin [telefon]", None, "none", 0.0),
    )
    assert [m[0] for m in missed_turns(replace(call, turns=turns))] == ["min kanin [telefon]"]
