"""The facts that differ between municipalities, kept in one file beside the intents.

`intents/municipality.yaml` names the municipality's units (hjemmepleje, visitation, jobcenter,
genbrugspladser, …) with their phone numbers, opening hours, addresses and e-mail, and its
self-service pages. Answers name a fact by placeholder (`{unit.visitation.phone}`,
`{page.affald}`), so another municipality edits this one file and keeps every answer.

A fact may be declared but left empty (`phone:` with nothing after it): the answer then says
where to find it instead ("det nummer, der står på kommunens hjemmeside"), never a made-up
number, and `voicebot intents check` lists it. A placeholder no file declares is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FILE = "municipality.yaml"
UNIT_FACTS = ("name", "phone", "hours", "address", "email")
"""What a unit may state; phone numbers are written in pairs ("43 59 17 71")."""
UNSET = {
    "name": "den rette afdeling",
    "phone": "det nummer, der står på kommunens hjemmeside",
    "hours": "i den telefontid, der står på kommunens hjemmeside",
    "address": "den adresse, der står på kommunens hjemmeside",
    "email": "den adresse, der står på kommunens hjemmeside",
    "page": "kommunens hjemmeside",
}
"""What an answer says for a fact the file leaves empty: where to find it, in the same slot."""
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_PHONE = re.compile(r"\d{2} \d{2} \d{2} \d{2}|\d{4}|\d{3}")
"""Eight digits in pairs, or a short number (1813, 112)."""


@dataclass(frozen=True)
class LocalFacts:
    """Placeholder name → its text, or None where the file leaves the fact empty."""

    values: dict[str, str | None] = field(default_factory=dict)

    @property
    def unset(self) -> list[str]:
        """The declared facts with no value: answers fall back to where to find them."""
        return sorted(k for k, v in self.values.items() if v is None)

    def text(self, name: str) -> str:
        """The fact as an answer says it: its value, or where to find it."""
        value = self.values.get(name)
        if value is not None:
            return value
        return UNSET.get(name.rsplit(".", 1)[-1] if name.startswith("unit.") else "page", "")


def read_facts(path: Path, problems: list[str]) -> LocalFacts:
    """Load `municipality.yaml` (an absent file declares nothing); problems as `path:line: …`."""
    if not path.exists():
        return LocalFacts()
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(f"{path}:{mark.line + 1 if mark else 0}: not valid YAML: {exc}")
        return LocalFacts()
    lines = _lines(text)
    values: dict[str, str | None] = {}
    if not isinstance(data, dict):
        problems.append(f"{path}:1: must be a mapping with units: and pages:")
        return LocalFacts()
    for unit, facts in (data.get("units") or {}).items():
        if not isinstance(facts, dict):
            problems.append(f"{path}:{lines.get(unit, 0)}: unit '{unit}' must be a mapping")
            continue
        for key, value in facts.items():
            if key == "source":
                continue
            if key not in UNIT_FACTS:
                problems.append(
                    f"{path}:{lines.get(unit, 0)}: unit '{unit}' has unknown fact '{key}' "
                    f"(known: {', '.join(UNIT_FACTS)}, source)"
                )
                continue
            if value is not None and key == "phone" and not _PHONE.fullmatch(str(value)):
                problems.append(
                    f"{path}:{lines.get(unit, 0)}: unit '{unit}' phone '{value}' must be "
                    "written in pairs, 43 59 10 00"
                )
            values[f"unit.{unit}.{key}"] = None if value is None else str(value).strip()
    for page, url in (data.get("pages") or {}).items():
        if url is not None and not str(url).startswith("https://"):
            line = lines.get(page, 0)
            problems.append(f"{path}:{line}: page '{page}' must be an https:// address")
        values[f"page.{page}"] = None if url is None else str(url).strip()
    return LocalFacts(values)


def fill(text: str, values: Mapping[str, str], facts: LocalFacts) -> str:
    """Every `{name}` in `text` replaced: from `values` (hours, the name), else from `facts`."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1]) or facts.text(m[1]), text)


def _lines(text: str) -> dict[str, int]:
    """The line each mapping key first appears on (for `path:line` problems)."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        key = line.strip().split(":", 1)[0]
        if key and ":" in line:
            found.setdefault(key, number)
    return found
