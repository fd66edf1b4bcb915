"""Intent files edited from the admin pages: validated first, comments kept, who is logged.

A reviewed utterance is added to an intent, or an answer's review by its owner is recorded.

An edit is made on the cluster's newest version and stored only if the whole set stays valid
(`SharedIntents.edit`), so two admins promoting at once on two nodes both land. Only ids of the
set are accepted, never a path.
"""

from __future__ import annotations

import dataclasses
import io
import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import yaml as pyyaml
from redis import Redis
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import (
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from ...core.evaluation import misses
from ...core.redact import redact
from ...core.verdict import Thresholds
from ...intents.catalogue import ID_PATTERN, IntentSet
from ...intents.files import IntentFiles

if TYPE_CHECKING:
    from ...intents.versions import SharedIntents

CHANGES_KEY = "intents:changes"
"""Redis list of JSON change records, newest first (who, what, when)."""
FIELDS = ("examples", "tests")


class RegressionWarning(Exception):  # noqa: N818 - a verdict for the admin, not a fault
    """The change is valid but makes test utterances miss that matched before."""

    def __init__(self, new_misses: list[str]) -> None:
        super().__init__("\n".join(new_misses))
        self.new_misses = new_misses


def promote(
    library: SharedIntents,
    intent_id: str,
    text: str,
    field: str,
    who: str,
    thresholds: Thresholds | None = None,
) -> IntentSet:
    """Append `text` to an intent's `examples` or `tests`; returns the set now served.

    With `thresholds`, the regression suite runs on the changed set first, and a change that
    makes a test utterance miss is held back (RegressionWarning) for the admin to confirm.

    Raises:
        IntentSetError: the set would not be valid (nothing is stored), with `path:line` lines.
        RegressionWarning: only with `thresholds`; nothing is stored.
        ValueError: unknown intent or field, or text an admin should write again.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}")
    check_text(text)

    def append(data: Any) -> None:
        data.setdefault(field, [])
        data[field].append(plain_or_quoted(text))

    def no_new_misses(before: IntentSet, changed: IntentSet) -> None:
        if thresholds is None:
            return
        missed = {(m.intent, m.text, m.found) for m in misses(before, thresholds)}
        new = [
            m.line for m in misses(changed, thresholds) if (m.intent, m.text, m.found) not in missed
        ]
        if new:
            raise RegressionWarning(new)

    served = edit_intent(library, intent_id, append, who, check=no_new_misses)
    _log_change(library.redis, who, intent_id, field, text)
    return served


def _log_change(redis: Redis, who: str, intent_id: str, field: str, text: str) -> None:
    """Keep who changed what (the newest 10,000 changes)."""
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
    library: SharedIntents,
    intent_id: str,
    change: Callable[[Any], None],
    who: str,
    check: Callable[[IntentSet, IntentSet], None] | None = None,
) -> IntentSet:
    """Change one intent file, keeping its comments, only if the whole set stays valid.

    The newest version's file is loaded round-trip, `change` edits it, and the changed set is
    loaded (and `check`ed against the set before) before it is stored. If another change landed
    first, this one is made again on top of it: both land.
    """
    name = f"{intent_id}.yaml"

    def apply(files: IntentFiles) -> IntentFiles:
        if not ID_PATTERN.fullmatch(intent_id) or name not in files.intents:
            raise ValueError(f"no intent {intent_id!r}")
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)  # the layout the shipped files use
        data = yaml.load(files.intents[name])
        change(data)
        out = io.StringIO()
        yaml.dump(data, out)
        changed = dataclasses.replace(files, intents={**files.intents, name: out.getvalue()})
        if check is not None:
            check(files.load(library.directory), changed.load(library.directory))
        return changed

    return library.edit(apply, who)


def record_review(
    library: SharedIntents, intent_id: str, who: str, note: str, on: date
) -> IntentSet:
    """Write that a subject owner reviewed an answer (when, who, a note) into its intent file.

    Raises:
        IntentSetError: the set would not be valid (nothing is stored).
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

    served = edit_intent(library, intent_id, stamp, who)
    _log_change(library.redis, who, intent_id, "reviewed", note)
    return served


def edit_answer(
    library: SharedIntents, intent_id: str, who: str, answer: str, web_answer: str, on: date
) -> IntentSet:
    """Replace an answer's phone and chat text in its intent file; the editor has reviewed it.

    The phone answer is one paragraph; the chat's may have lines ("- " starts a bullet). Both
    are checked as promoted text is (no hidden characters, no personal numbers), the set is
    validated (placeholders must exist) and the change is logged and versioned.

    Raises:
        IntentSetError: the set would not be valid (nothing is stored).
        ValueError: text an admin should write again.
    """
    answer = " ".join(answer.split())
    check_text(answer)
    lines = [line.rstrip() for line in web_answer.replace("\r\n", "\n").split("\n")]
    web_answer = "\n".join(lines).strip()
    for line in filter(None, lines):
        check_text(line)

    def rewrite(data: Any) -> None:
        data["answer"] = FoldedScalarString(answer)
        if web_answer:
            data["web_answer"] = LiteralScalarString(web_answer)
        elif "web_answer" in data:
            del data["web_answer"]
        data["reviewed"] = on
        data["reviewed_by"] = plain_or_quoted(who)

    served = edit_intent(library, intent_id, rewrite, who)
    _log_change(library.redis, who, intent_id, "answer", answer)
    if web_answer:
        _log_change(library.redis, who, intent_id, "web_answer", web_answer)
    return served


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
