"""Every process serves the cluster's newest intent set; nothing admins or operators did is lost."""

import shutil
import time

import pytest

from app.errors import IntentSetError
from app.intents.files import IntentFiles
from app.intents.versions import IntentVersions, SharedIntents
from app.outcomes.review.promote import promote
from tests.conftest import INTENTS_DIR


def node_dir(tmp_path, name):
    """A node's own copy of the shipped intents, as a fresh volume seeded from the image."""
    shutil.copytree(INTENTS_DIR.parent, tmp_path / name / "intents")
    return tmp_path / name / "intents" / "da"


def edit_file(directory, name, old, new):
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    time.sleep(0.01)  # a new mtime even on coarse clocks
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_first_node_stores_its_files_as_version_one(tmp_path, redis):
    node = SharedIntents(node_dir(tmp_path, "a"), redis)
    (version,) = IntentVersions(redis).history()
    assert (version.number, version.hash) == (1, node.current().version)
    assert version.files == IntentFiles.read(node.directory)
    assert version.who.startswith("files on ")


def test_an_operators_file_edit_on_one_node_reaches_another_and_its_files(tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis)
    b = SharedIntents(node_dir(tmp_path, "b"), redis)
    edit_file(a.directory, "pas.yaml", "description: dit pas", "description: dit rejsepas")
    a.sync()
    b.sync()
    assert b.current().intents["pas"].description == "dit rejsepas"
    assert "description: dit rejsepas" in (b.directory / "pas.yaml").read_text(encoding="utf-8")
    assert b.number == a.number == 2


def test_an_invalid_file_edit_is_refused_kept_on_disk_and_taken_once_fixed(tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis, poll_seconds=0)
    edit_file(a.directory, "pas.yaml", "topic: borgerservice", "topic: borgerservice\nbogus: 1")
    served = a.current()
    assert a.last_problems and a.last_problems[0].startswith(f"{a.directory / 'pas.yaml'}:")
    assert "unknown key 'bogus'" in a.last_problems[0]
    assert served.version == IntentVersions(redis).latest().hash  # still the stored set
    assert "bogus: 1" in (a.directory / "pas.yaml").read_text(encoding="utf-8")  # not overwritten
    edit_file(a.directory, "pas.yaml", "bogus: 1", "review_note: gebyr tjekket")
    assert a.current().intents["pas"].review_note == "gebyr tjekket"
    assert a.last_problems == []


def test_processes_sharing_a_directory_never_take_each_others_write_back_for_an_edit(
    tmp_path, redis
):
    shared = node_dir(tmp_path, "volume")
    web, worker = SharedIntents(shared, redis), SharedIntents(shared, redis)
    other_node = SharedIntents(node_dir(tmp_path, "b"), redis)
    promote(other_node, "pas", "mit pas er væk efter indbruddet", "examples", "anna")
    second = IntentVersions(redis).latest()
    promote(other_node, "pas", "passet blev glemt i toget", "examples", "bo")
    web.sync()  # the web process writes version 3 back to the shared directory
    time.sleep(0.01)
    second.files.write(shared)  # a slow sibling writes version 2 back after it
    worker.sync()
    web.sync()
    assert IntentVersions(redis).current_number() == 3  # nothing reverted, nothing new
    examples = worker.current().intents["pas"].examples
    assert "passet blev glemt i toget" in examples
    assert "passet blev glemt i toget" in (shared / "pas.yaml").read_text(encoding="utf-8")


def test_a_node_on_a_stale_volume_takes_the_newest_version(tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis)
    promote(a, "pas", "mit pas er blevet stjålet på ferien", "examples", "anna")
    stale = node_dir(tmp_path, "b")  # seeded from the image before the promotion
    b = SharedIntents(stale, redis)
    assert "mit pas er blevet stjålet på ferien" in b.current().intents["pas"].examples
    assert "stjålet på ferien" in (stale / "pas.yaml").read_text(encoding="utf-8")
    assert IntentVersions(redis).current_number() == 2


def test_files_changed_while_no_node_ran_become_a_new_version_and_the_old_is_kept(tmp_path, redis):
    directory = node_dir(tmp_path, "a")
    SharedIntents(directory, redis)
    edit_file(directory, "pas.yaml", "description: dit pas", "description: dit rejsepas")
    restarted = SharedIntents(directory, redis)
    assert restarted.current().intents["pas"].description == "dit rejsepas"
    newest, older = IntentVersions(redis).history()
    assert (newest.number, older.number) == (2, 1)
    assert "description: dit pas\n" in older.files.intents["pas.yaml"]


def test_a_broken_set_with_nothing_stored_refuses_to_start(tmp_path, redis):
    directory = node_dir(tmp_path, "a")
    edit_file(directory, "pas.yaml", "topic: borgerservice", "topic: ingen_saadan")
    with pytest.raises(IntentSetError):
        SharedIntents(directory, redis)
    assert IntentVersions(redis).current_number() == 0


def test_a_promotion_that_lost_the_race_is_made_again_on_top(tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis)
    b = SharedIntents(node_dir(tmp_path, "b"), redis)
    promote(a, "pas", "passet er væk efter flytningen", "examples", "anna")
    promote(b, "pas", "mit barns pas er udløbet", "examples", "bo")  # b had not synced yet
    examples = b.current().intents["pas"].examples
    assert "passet er væk efter flytningen" in examples and "mit barns pas er udløbet" in examples
    assert [v.who for v in IntentVersions(redis).history()][:2] == ["bo", "anna"]


def test_redis_away_keeps_the_served_set(tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis, poll_seconds=0)
    served = a.current()
    a.versions.redis = a.redis = type(redis).from_url("redis://127.0.0.1:1", socket_timeout=0.2)
    assert a.current() is served


def test_export_and_import_move_the_set_validated(voicebot, tmp_path, redis):
    a = SharedIntents(node_dir(tmp_path, "a"), redis)
    own = str(node_dir(tmp_path, "cli"))  # the command's node has its own copy

    def intents(*args):
        return voicebot("intents", *args, INTENTS_DIR=own)

    out = intents("export", str(tmp_path / "backup"))
    assert out.returncode == 0 and out.stdout.startswith("version 1 ")
    backup = tmp_path / "backup" / "da"
    assert IntentFiles.read(backup) == IntentFiles.read(a.directory)

    edit_file(backup, "pas.yaml", "topic: borgerservice", "topic: ingen_saadan")
    refused = intents("import", str(tmp_path / "backup"))
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"{backup / 'pas.yaml'}:")
    assert IntentVersions(redis).current_number() == 1  # nothing stored

    edit_file(backup, "pas.yaml", "topic: ingen_saadan", "topic: borgerservice\nreview_note: Pas")
    stored = intents("import", str(tmp_path / "backup"))
    assert stored.returncode == 0 and stored.stdout.startswith("stored as version 2 ")
    a.sync()
    assert a.current().intents["pas"].review_note == "Pas"
    history = intents("history").stdout.splitlines()
    assert [line.split("\t")[0] for line in history] == ["2", "1"]
    assert history[0].split("\t")[3].startswith("import by ")

    old = intents("export", "--version", "1", str(tmp_path / "old"))
    assert old.returncode == 0
    assert "review_note" not in (tmp_path / "old" / "da" / "pas.yaml").read_text(encoding="utf-8")
