"""Intent files edited from the admin pages: validated first, comments kept, who is logged.

A reviewed utterance is added to an intent, or an answer's review by its owner is recorded.

Edits are serialised by a lock file (under DATA_DIR, not in the work tree), so two admins
promoting at once both land; the whole set is validated on a copy before the real file is
replaced atomically. Only ids of the loaded set are accepted, never a path.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml as pyyaml
from redis import Redis
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from ..dialogue.evaluation import misses
from ..dialogue.intents import ID_PATTERN, IntentSet, load_intents
from ..dialogue.matcher import Thresholds
from ..dialogue.redact import redact
from ..errors import IntentSetError

CHANGES_KEY = "intents:changes"
"""Redis list of JSON change records, newest first (who, what, when)."""
FIELDS = ("examples", "tests")


class RegressionWarning(Exception):  # noqa: N818 - a verdict for the admin, not a fault
    """The change is valid but makes test utterances miss that matched before."""

    def __init__(self, new_misses: list[str]) -> None:
        super().__init__("\n".join(new_misses))
        self.new_misses = new_misses


def promote(
    intents_dir: Path,
    intent_id: str,
    text: str,
    field: str,
    who: str,
    redis: Redis | None = None,
    thresholds: Thresholds | None = None,
    lock_path: Path | None = None,
) -> None:
    """Append `text` to an intent's `examples` or `tests`.

    With `thresholds`, the regression suite runs on the changed set first, and a change that
    makes a test utterance miss is held back (RegressionWarning) for the admin to confirm.

    Raises:
        IntentSetError: the set would not be valid (nothing is written), with `path:line` lines.
        RegressionWarning: only with `thresholds`; nothing is written.
        ValueError: unknown intent or field, or text an admin should write again.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}")
    check_text(text)

    def append(data: Any) -> None:
        data.setdefault(field, [])
        data[field].append(plain_or_quoted(text))

    def no_new_misses(changed: IntentSet) -> None:
        if thresholds is None:
            return
        current = load_intents(intents_dir)
        before = {(m.intent, m.text, m.found) for m in misses(current, thresholds)}
        new = [
            m.line for m in misses(changed, thresholds) if (m.intent, m.text, m.found) not in before
        ]
        if new:
            raise RegressionWarning(new)

    edit_intent(intents_dir, intent_id, append, lock_path, check=no_new_misses)
    _log_change(redis, who, intent_id, field, text)


def _log_change(redis: Redis | None, who: str, intent_id: str, field: str, text: str) -> None:
    """Keep who changed what (the newest 10,000 changes)."""
    if redis is None:
        return
    change = {
        "at": datetime.now(UTC).isoformat(),
        "who": who,
        "intent": intent_id,
        "field": field,
        "text": text,
    }
    redis.lpush(CHANGES_KEY, json.dumps(change, ensure_ascii=False))
    redis.ltrim(CHANGES_KEY, 0, 9999)


def edit_intent(
    intents_dir: Path,
    intent_id: str,
    change: Callable[[Any], None],
    lock_path: Path | None = None,
    check: Callable[[IntentSet], None] | None = None,
) -> None:
    """Change one intent file, keeping its comments, only if the whole set stays valid.

    Under the lock: the file is loaded round-trip, `change` edits it, the changed set is loaded
    from a copy (and `check`ed), and only then does the file replace the old one.
    """
    lock_path = lock_path or Path(tempfile.gettempdir()) / "voicebot-intents.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)  # the layout the shipped files use
        path = _intent_path(intents_dir, intent_id)
        data = yaml.load(path.read_text(encoding="utf-8"))
        change(data)
        with tempfile.TemporaryDirectory(prefix="intents-") as tmp:
            copy = Path(tmp) / intents_dir.name
            shutil.copytree(intents_dir, copy)
            shutil.copy(intents_dir.parent / "index.yaml", Path(tmp) / "index.yaml")
            with (copy / path.name).open("w", encoding="utf-8") as out:
                yaml.dump(data, out)
            try:
                changed = load_intents(copy)
            except IntentSetError as exc:
                problems = [p.replace(str(copy), str(intents_dir)) for p in exc.problems]
                raise IntentSetError(problems) from None
            if check is not None:
                check(changed)
            staged = path.with_suffix(".yaml.tmp")
            shutil.copy(copy / path.name, staged)
        os.replace(staged, path)


def record_review(
    intents_dir: Path,
    intent_id: str,
    who: str,
    note: str,
    on: date,
    redis: Redis | None = None,
    lock_path: Path | None = None,
) -> None:
    """Write that a subject owner reviewed an answer (when, who, a note) into its intent file.

    Raises:
        IntentSetError: the set would not be valid (nothing is written).
        ValueError: unknown intent, or a note an admin should write again.
    """
    note = note.strip()
    if note:
        check_text(note)

    def stamp(data: Any) -> None:
        data["reviewed"] = on
        data["reviewed_by"] = plain_or_quoted(who)
        if note:
            data["review_note"] = plain_or_quoted(note)
        elif "review_note" in data:
            del data["review_note"]

    edit_intent(intents_dir, intent_id, stamp, lock_path)
    _log_change(redis, who, intent_id, "reviewed", note)


def check_text(text: str) -> None:
    """Refuse text that would not read back as written: control and invisible format characters.

    Raises:
        ValueError: with a sentence an admin understands.
    """
    if not text.strip():
        raise ValueError("Teksten er tom.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise ValueError(
            "Teksten indeholder usynlige styretegn (fx retningsmarkeringer eller linjeskift). "
            "Skriv den igen uden dem."
        )
    if redact(text) != text:
        raise ValueError("Teksten indeholder et CPR- eller telefonnummer; fjern det først.")


def plain_or_quoted(text: str) -> str:
    """`text`, quoted when YAML would read it as something else ("yes", "no", "~", "12:30")."""
    try:
        read_back = pyyaml.safe_load(text)
    except pyyaml.YAMLError:
        read_back = None
    return text if read_back == text else SingleQuotedScalarString(text)


def _intent_path(intents_dir: Path, intent_id: str) -> Path:
    """The file of a loaded intent; anything else (a path, an unknown id) is refused."""
    if not ID_PATTERN.match(intent_id) or intent_id not in load_intents(intents_dir).intents:
        raise ValueError(f"no intent {intent_id!r}")
    return intents_dir / f"{intent_id}.yaml"
