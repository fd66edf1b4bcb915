"""An intent set as its files' text: what is versioned, shipped between nodes and written back.

Admins and git users edit YAML files; a running cluster passes the same text around, so a
version read back from Redis is byte for byte what an operator diffs and backs up.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IntentSetError
from .catalogue import IntentSet, load_intents
from .local_facts import FILE as FACTS

INDEX = "index.yaml"


@dataclass(frozen=True)
class IntentFiles:
    """`index.yaml` and `municipality.yaml` (beside the intent directory) and its `*.yaml`."""

    index: str
    intents: dict[str, str] = field(default_factory=dict)
    """File name → text."""
    facts: str = ""
    """`municipality.yaml`: the local facts answers name by placeholder ("" when absent)."""

    @classmethod
    def read(cls, directory: Path) -> IntentFiles:
        """The files as they are on disk (a missing index reads as empty: loading says so)."""
        index_path = directory.parent / INDEX
        index = index_path.read_text(encoding="utf-8") if index_path.exists() else ""
        facts_path = directory.parent / FACTS
        facts = facts_path.read_text(encoding="utf-8") if facts_path.exists() else ""
        intents = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yaml"))}
        return cls(index, intents, facts)

    def write(self, directory: Path) -> None:
        """Make the directory hold exactly these files; each is replaced atomically."""
        directory.mkdir(parents=True, exist_ok=True)
        _write_if_changed(directory.parent / INDEX, self.index)
        if self.facts:
            _write_if_changed(directory.parent / FACTS, self.facts)
        else:
            (directory.parent / FACTS).unlink(missing_ok=True)
        for name, text in self.intents.items():
            _write_if_changed(directory / name, text)
        for stale in directory.glob("*.yaml"):
            if stale.name not in self.intents:
                stale.unlink()

    def load(self, directory: Path) -> IntentSet:
        """Validate and load these files as if they were in `directory` (problems name it).

        Raises:
            IntentSetError: with every problem, as `path:line: problem` under `directory`.
        """
        with tempfile.TemporaryDirectory(prefix="intents-") as tmp:
            copy = Path(tmp) / directory.name
            self.write(copy)
            try:
                return load_intents(copy)
            except IntentSetError as exc:
                problems = [p.replace(str(copy), str(directory)) for p in exc.problems]
                raise IntentSetError(problems) from None

    def changes_from(self, base: IntentFiles) -> dict[str, str | None]:
        """What differs from `base`: name → new text, or None for a removed intent file."""
        changed: dict[str, str | None] = {}
        if self.index != base.index:
            changed[INDEX] = self.index
        if self.facts != base.facts:
            changed[FACTS] = self.facts
        for name in base.intents.keys() | self.intents.keys():
            if base.intents.get(name) != self.intents.get(name):
                changed["intents/" + name] = self.intents.get(name)
        return changed

    def with_changes(self, changes: dict[str, str | None]) -> IntentFiles:
        """These files with `changes` (from `changes_from`) applied on top."""
        index, intents, facts = self.index, dict(self.intents), self.facts
        for key, text in changes.items():
            if key == INDEX:
                index = text or ""
            elif key == FACTS:
                facts = text or ""
            elif text is None:
                intents.pop(key.removeprefix("intents/"), None)
            else:
                intents[key.removeprefix("intents/")] = text
        return IntentFiles(index, intents, facts)

    def to_dict(self) -> dict[str, object]:
        """The files as JSON-ready data (how a version holds them)."""
        return {"index": self.index, "intents": self.intents, "facts": self.facts}

    @classmethod
    def from_dict(cls, data: dict) -> IntentFiles:
        """Files from `to_dict` (a version stored before the facts file holds none)."""
        return cls(data["index"], dict(data["intents"]), data.get("facts", ""))


def _write_if_changed(path: Path, text: str) -> None:
    """Replace the file atomically, and only when its text differs (mtimes say what changed)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)
