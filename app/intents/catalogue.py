"""Intent files: load and validate, with `path:line: problem` messages."""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core.cues import FollowUp
from ..core.normalise import tokens
from ..errors import IntentSetError
from .index import Index, Topic, compose, line_of_key, load_index, mapping
from .local_facts import FILE as FACTS_FILE
from .local_facts import LocalFacts, read_facts

ACTIONS = ("answer", "transfer")
SYSTEM_TOPIC = "system"
"""Intents of this topic (`SystemIntent`) steer the flow; they need no answer."""


class SystemIntent(StrEnum):
    """The intents the flow acts on by id (topic `system`); their examples are the admins'."""

    YES = "ja"
    NO = "nej"
    THANKS = "tak"
    GOODBYE = "farvel"
    PERSON = "menneske"
    REPEAT = "gentag"
    HELLO = "hilsen"


ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
"""Ids are KPI and routing keys: plain ASCII, so æøå are written ae, oe, aa."""
PLACEHOLDERS = frozenset({"opening_hours", "open_now", "municipality"})
"""What an answer may contain in braces; filled from settings when it is said."""
FOLLOW_UP_KINDS = tuple(kind.value for kind in FollowUp)
"""What a caller may ask right after an answer ("hvad koster det"): the keys of `follow_ups`."""
MAX_SPOKEN_WORDS = 50
"""About 20 s at a calm phone pace of 150 words a minute (espeak-ng's Danish voice says 50 words
in ~16 s): a longer phone answer is warned about (`voicebot intents check`)."""


def _written(kind: type, *, key: str | None = None, read: Any = None, **default: Any) -> Any:
    """A field of `Intent` as an intent file writes it; the schema lives here, once.

    `kind` is its YAML type, `key` its key in the file (when not the field's name), `read` how
    the YAML value becomes the field's.
    """
    return field(metadata={"yaml": kind, "key": key, "read": read}, **default)


@dataclass(frozen=True)
class Intent:
    """One thing a caller can ask for, as an admin wrote it."""

    id: str = _written(str)
    topic: str = _written(str)
    examples: tuple[str, ...] = _written(list, read=tuple)
    description: str = _written(str, default="")
    """Short Danish phrase for "Mente du ...?", e.g. "fornyelse af dit kørekort"."""
    answer: str | None = _written(str, default=None)
    action: str = _written(str, default="answer")
    queue: str | None = _written(str, default=None)
    follow_up: bool = _written(bool, default=True)
    offer_transfer: bool = _written(bool, default=False)
    """After the answer, ask "Vil du stilles videre?" (or offer a callback when closed)."""
    agent_summary: str = _written(str, default="")
    """Third person, for the agent ("kørekort"); unset, the agent reads the topic's label."""
    synonyms: dict[str, tuple[str, ...]] = _written(
        dict, read=lambda v: {str(k): tuple(x) for k, x in v.items()}, default_factory=dict
    )
    tests: tuple[str, ...] = _written(list, read=tuple, default=())
    """Utterances that must match this intent (regression suite, never learnt from)."""
    near_misses: tuple[str, ...] = _written(list, key="not", read=tuple, default=())
    """Utterances (key `not`) that must not match this intent."""
    web_answer: str = _written(str, default="")
    """The chat's longer answer (lines, "- " bullets); unset, the chat shows `answer`."""
    links: tuple[Link, ...] = _written(
        list, read=lambda v: tuple(Link(str(li["title"]), str(li["url"])) for li in v), default=()
    )
    """Pages the chat links to after the answer (e.g. borger.dk); the phone never reads them."""
    owner: str = _written(str, default="")
    """Who answers for the answer's content: a subject area or a person (fagansvarlig)."""
    reviewed: date | None = _written(date, default=None)
    """When the owner last checked the answer (`voicebot intents due` lists old ones)."""
    reviewed_by: str = _written(str, default="")
    review_note: str = _written(str, default="")
    follow_ups: dict[str, str] = _written(
        dict, read=lambda v: {str(k): str(x) for k, x in v.items()}, default_factory=dict
    )
    """Short answers to a follow-up about this answer (price, time, where, without_mitid)."""
    source: str = _written(str, default="")
    """The official page the answer's facts come from (https)."""


INTENT_FIELDS = {f.metadata["key"] or f.name: f for f in fields(Intent)}
"""Intent file key → the field it fills."""
INTENT_KEYS = {key: f.metadata["yaml"] for key, f in INTENT_FIELDS.items()}
"""Intent file key → the YAML type it must have."""
REQUIRED_KEYS = tuple(
    key for key, f in INTENT_FIELDS.items() if f.default is MISSING and f.default_factory is MISSING
)


@dataclass(frozen=True)
class Link:
    """A page an answer points to: its title and https address."""

    title: str
    url: str


@dataclass(frozen=True)
class IntentSet:
    """A validated, immutable set of intents; swapped whole, never edited in place."""

    intents: dict[str, Intent]
    topics: dict[str, Topic]
    default_queue: str
    menu: tuple[str, ...]
    """Topic ids offered on the keypad, digit 1 first."""
    version: str
    """Content hash of the files; changes exactly when they do."""
    queue_labels: dict[str, str] = field(default_factory=dict)
    """Queue id → the name staff know it by (`index.yaml`)."""
    queue_sip: dict[str, str] = field(default_factory=dict)
    """Queue id → the SIP address the SIP edge transfers its calls to (`sip:` in `index.yaml`)."""
    facts: LocalFacts = field(default_factory=LocalFacts)
    """The municipality's own numbers, hours and pages (`municipality.yaml`)."""

    def queue_for(self, intent: Intent | None) -> str:
        """The intent's own queue, else its topic's, else the default."""
        if intent is None:
            return self.default_queue
        if intent.queue:
            return intent.queue
        topic = self.topics.get(intent.topic)
        return topic.queue if topic else self.default_queue

    def synonyms(self) -> dict[str, str]:
        """Every variant phrase → its canonical word, across intents."""
        return {
            v: canon for i in self.intents.values() for canon, vs in i.synonyms.items() for v in vs
        }


def load_intents(directory: Path) -> IntentSet:
    """Load and validate `directory/*.yaml` with `directory/../index.yaml`.

    Raises:
        IntentSetError: with every problem found, each as `path:line: problem`.
    """
    problems: list[str] = []
    index_path = directory.parent / "index.yaml"
    index = load_index(index_path, problems)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(f"{directory}:0: no intent files (*.yaml) found")
    digest = hashlib.sha256()
    intents: dict[str, Intent] = {}
    example_at: dict[str, tuple[str, str]] = {}
    id_at: dict[str, Path] = {}
    facts_path = directory.parent / FACTS_FILE
    facts = read_facts(facts_path, problems)
    known = PLACEHOLDERS | set(facts.values)
    for path in [index_path, facts_path, *files]:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in files:
        intent = _load_intent(path, index, problems, example_at, id_at, known)
        if intent is not None:
            intents[intent.id] = intent
    if problems:
        raise IntentSetError(problems)
    assert index is not None
    return IntentSet(
        intents,
        index.topics,
        index.default_queue,
        index.menu,
        digest.hexdigest()[:16],
        index.queue_labels,
        index.queue_sip,
        facts,
    )


def check_intents(directory: Path) -> list[str]:
    """Every problem in an intent directory, as `path:line: problem`; empty when valid."""
    try:
        load_intents(directory)
    except IntentSetError as exc:
        return exc.problems
    return []


def _load_intent(
    path: Path,
    index: Index | None,
    problems: list[str],
    example_at: dict[str, tuple[str, str]],
    id_at: dict[str, Path],
    known: frozenset[str] | set[str] = PLACEHOLDERS,
) -> Intent | None:
    node = compose(path, problems)
    data = mapping(node, path, problems)
    if data is None:
        return None
    before = len(problems)
    for key, (value, value_node) in data.items():
        line = value_node.start_mark.line + 1
        if key not in INTENT_KEYS:
            problems.append(f"{path}:{line_of_key(node, key)}: unknown key '{key}'")
        elif not isinstance(value, INTENT_KEYS[key]):
            kind = INTENT_KEYS[key].__name__  # type: ignore[union-attr]
            problems.append(f"{path}:{line}: '{key}' must be a {kind}")
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(f"{path}:1: missing '{key}'")
    if len(problems) > before:
        return None
    value = {k: v for k, (v, _) in data.items()}
    line = {k: n.start_mark.line + 1 for k, (_, n) in data.items()}
    if value["id"] in id_at:
        problems.append(
            f"{path}:{line['id']}: duplicate id '{value['id']}' (also in {id_at[value['id']]})"
        )
    id_at.setdefault(value["id"], path)
    _check_fields(path, value, line, index, problems, known)
    _check_phrases(path, data, "examples", problems, example_at)
    _check_phrases(path, data, "tests", problems, None)
    _check_phrases(path, data, "not", problems, None)
    if len(problems) > before:
        return None
    return Intent(
        **{
            f.name: f.metadata["read"](value[key]) if f.metadata["read"] else value[key]
            for key, f in INTENT_FIELDS.items()
            if key in value and value[key] is not None
        }
    )


def _check_fields(
    path: Path,
    value: dict[str, Any],
    line: dict[str, int],
    index: Index | None,
    problems: list[str],
    known: frozenset[str] | set[str] = PLACEHOLDERS,
) -> None:
    if not ID_PATTERN.fullmatch(value["id"]):
        problems.append(f"{path}:{line['id']}: id must be lower-case a-z, digits and _")
    if value["id"] != path.stem:
        problems.append(
            f"{path}:{line['id']}: id '{value['id']}' does not match file name '{path.stem}'"
        )
    if index is not None and value["topic"] not in index.topics:
        problems.append(f"{path}:{line['topic']}: unknown topic '{value['topic']}'")
    if index is not None and "queue" in value and value["queue"] not in index.queues:
        problems.append(f"{path}:{line['queue']}: unknown queue '{value['queue']}'")
    action = value.get("action", "answer")
    if action not in ACTIONS:
        problems.append(f"{path}:{line['action']}: action must be one of {', '.join(ACTIONS)}")
    if action == "answer" and value["topic"] != SYSTEM_TOPIC:
        for key in ("answer", "description"):
            if not str(value.get(key) or "").strip():
                problems.append(f"{path}:{line.get(key, 1)}: missing '{key}' (needed to answer)")
        if not str(value.get("source") or "").strip():
            problems.append(
                f"{path}:1: missing 'source' (the official page the answer's facts come from)"
            )
    for key in ("answer", "web_answer"):
        if value.get(key):
            _check_placeholders(path, key, value[key], line[key], problems, known)
    for kind, text in (value.get("follow_ups") or {}).items():
        if kind not in FOLLOW_UP_KINDS or not isinstance(text, str) or not text.strip():
            problems.append(
                f"{path}:{line['follow_ups']}: follow_ups takes text for "
                f"{', '.join(FOLLOW_UP_KINDS)}, not {kind!r}"
            )
        else:
            _check_placeholders(path, "follow_ups", text, line["follow_ups"], problems, known)
    if "source" in value and _link_problem({"title": "source", "url": value["source"]}):
        problems.append(f"{path}:{line['source']}: source must be an https:// address")
    for i, link in enumerate(value.get("links", ())):
        problem = _link_problem(link)
        if problem:
            problems.append(f"{path}:{line['links'] + i}: link {i + 1} {problem}")
    for canon, variants in (value.get("synonyms") or {}).items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            problems.append(
                f"{path}:{line['synonyms']}: synonyms of '{canon}' must be a list of text"
            )


def _check_placeholders(
    path: Path,
    key: str,
    text: str,
    line: int,
    problems: list[str],
    known: frozenset[str] | set[str] = PLACEHOLDERS,
) -> None:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        problems.append(f"{path}:{line}: {key} has a stray brace: {exc}")
        return
    for name in sorted(names - known):
        problems.append(
            f"{path}:{line}: unknown placeholder '{{{name}}}' "
            f"(known: {', '.join(sorted(PLACEHOLDERS))} and the facts of {FACTS_FILE})"
        )


def _link_problem(link: object) -> str:
    """What is wrong with one `links:` entry ({title, url}, https only), or ""."""
    if not isinstance(link, dict) or set(link) != {"title", "url"}:
        return "must have exactly 'title' and 'url'"
    title, url = link["title"], link["url"]
    if not isinstance(title, str) or not title.strip() or len(title) > 120:
        return "needs a title (up to 120 characters)"
    parsed = urlsplit(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme != "https" or not parsed.hostname or " " in url:
        return f"url must be an https:// address, not {url!r}"
    return ""


def _check_phrases(
    path: Path,
    data: dict[str, Any],
    key: str,
    problems: list[str],
    example_at: dict[str, tuple[str, str]] | None,
) -> None:
    if key not in data:
        return
    items, node = data[key]
    if not items and key == "examples":
        problems.append(f"{path}:{node.start_mark.line + 1}: 'examples' is empty")
    for item, item_node in zip(items, node.value, strict=False):
        line = item_node.start_mark.line + 1
        if isinstance(item, bool):
            problems.append(f"{path}:{line}: YAML reads '{item_node.value}' as {item}; quote it")
            continue
        if not isinstance(item, str) or not tokens(item):
            problems.append(f"{path}:{line}: {key} entries must be non-empty text")
            continue
        if example_at is None:
            continue
        norm = " ".join(tokens(item))
        if norm in example_at:
            owner, other = example_at[norm]
            where = "given twice" if owner == path.stem else f"also an example in {other}"
            problems.append(f"{path}:{line}: example '{item}' is {where}")
        example_at.setdefault(norm, (path.stem, f"{path}:{line}"))


def length_warnings(intent_set: IntentSet, folder: Path) -> list[str]:
    """`path: warning` for phone answers longer than about 20 s spoken (MAX_SPOKEN_WORDS)."""
    warnings = []
    for intent in intent_set.intents.values():
        words = len((intent.answer or "").split())
        if words > MAX_SPOKEN_WORDS:
            warnings.append(
                f"{folder / intent.id}.yaml: warning: answer has {words} words "
                f"(~{words * 20 // MAX_SPOKEN_WORDS} s spoken; keep it under {MAX_SPOKEN_WORDS})"
            )
    return warnings
