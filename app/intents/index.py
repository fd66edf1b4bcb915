"""index.yaml (topics, queues, the menu) and reading YAML with the line of every value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_MENU_CHOICES = 5
"""Keypad choices read out at once; more than five and callers forget the first (~25 s)."""


@dataclass(frozen=True)
class Topic:
    """A KPI group with its spoken label and its contact-centre queue."""

    id: str
    label: str
    queue: str


@dataclass(frozen=True)
class Index:
    """What index.yaml says: topics, queues (labels, SIP targets), the default queue, the menu."""

    topics: dict[str, Topic]
    queues: frozenset[str]
    default_queue: str
    menu: tuple[str, ...]
    queue_labels: dict[str, str]
    queue_sip: dict[str, str]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader where PyYAML has it: the same nodes, 0.84 s → 0.05 s for 139 files."""


def compose(path: Path, problems: list[str]) -> yaml.Node | None:
    """The file's node tree; None (with the problem noted) if it is unreadable or empty."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
        if node is None:
            problems.append(f"{path}:1: file is empty")
        return node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problems.append(f"{path}:{line}: YAML syntax: {exc.problem or exc.context}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:0: cannot read: {exc}")
    return None


def mapping(node: yaml.Node | None, path: Path, problems: list[str]) -> dict[str, Any] | None:
    """Node → {key: (value, node)}; None (and a problem) when it is not a mapping."""
    if node is None:
        return None  # _compose said why
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{path}:{node.start_mark.line + 1}: expected a mapping of keys to values")
        return None
    constructor = yaml.SafeLoader("")
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in out:
            problems.append(f"{path}:{key_node.start_mark.line + 1}: key '{key}' given twice")
        out[key] = (constructor.construct_object(value_node, deep=True), value_node)
    return out


def load_index(path: Path, problems: list[str]) -> Index | None:
    """index.yaml read and checked; None (and `problems`) when it cannot be used."""
    data = mapping(compose(path, problems), path, problems) if path.exists() else None
    if not path.exists():
        problems.append(f"{path}:0: missing index.yaml (topics and queues)")
    if data is None:
        return None
    queues_raw = data.get("queues", ({}, None))[0] or {}
    queues = frozenset(queues_raw)
    topics: dict[str, Topic] = {}
    topics_raw, topics_node = data.get("topics", ({}, None))
    for tid, spec in (topics_raw or {}).items():
        spec = spec or {}
        queue = spec.get("queue") or data.get("default_queue", ("", None))[0]
        if queue not in queues:
            line = line_of_key(topics_node, tid)
            problems.append(f"{path}:{line}: topic '{tid}' uses unknown queue '{queue}'")
        topics[tid] = Topic(tid, str(spec.get("label", tid)), queue)
    default_queue, dq_node = data.get("default_queue", (None, None))
    if default_queue not in queues:
        line = dq_node.start_mark.line + 1 if dq_node else 1
        problems.append(f"{path}:{line}: default_queue '{default_queue}' is not in queues")
    menu_raw, menu_node = data.get("menu", ([], None))
    for item, item_node in zip(menu_raw or [], getattr(menu_node, "value", []), strict=False):
        if item not in topics:
            problems.append(
                f"{path}:{item_node.start_mark.line + 1}: menu names unknown topic '{item}'"
            )
    if len(menu_raw or ()) > MAX_MENU_CHOICES:
        line = menu_node.start_mark.line + 1 if menu_node else 1
        problems.append(
            f"{path}:{line}: menu has {len(menu_raw)} topics; a caller can hold at most "
            f"{MAX_MENU_CHOICES} (group the rest, or let them say it)"
        )
    labels = {
        str(q): str(spec.get("label", q)) if isinstance(spec, dict) else str(q)
        for q, spec in queues_raw.items()
    }
    sip = _queue_sip(queues_raw, data.get("queues", ({}, None))[1], path, problems)
    return Index(topics, queues, str(default_queue), tuple(menu_raw or ()), labels, sip)


SIP_TARGET = re.compile(r"sips?:[A-Za-z0-9_.!~*'()&=+$,;?/%-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?")
"""A queue's SIP address: user@host[:port], no parameters or headers (those are the edge's)."""


def _queue_sip(
    queues_raw: dict[str, Any], node: yaml.Node | None, path: Path, problems: list[str]
) -> dict[str, str]:
    """Queue id → its `sip:` target; a malformed one is a problem at its line."""
    targets: dict[str, str] = {}
    for queue, spec in queues_raw.items():
        if not isinstance(spec, dict) or "sip" not in spec:
            continue
        target = spec["sip"]
        if not isinstance(target, str) or not SIP_TARGET.fullmatch(target):
            line = line_of_key(node, str(queue))
            problems.append(
                f"{path}:{line}: queue '{queue}' sip must look like sip:user@host[:port]"
            )
            continue
        targets[str(queue)] = target
    return targets


def line_of_key(node: yaml.Node | None, key: str) -> int:
    """The line a key of a mapping is on (for `path:line: problem`)."""
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k.start_mark.line + 1
    return node.start_mark.line + 1 if node is not None else 1
