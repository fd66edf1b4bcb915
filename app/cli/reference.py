"""docs/reference/: every command and every setting, written from the code so they cannot drift.

`voicebot reference DIR` writes `cli.md` (from click: usage, help, options) and `settings.md`
(from `Settings`: the variable, its default and the docstring under the field). A test fails
when the files in the repository differ from what this writes.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import MISSING, fields
from pathlib import Path

import click

from .. import config
from ..config import HOME, Settings

HEADER = "<!-- Written by `voicebot reference docs/reference`; edit the code, not this file. -->\n"


def cli_markdown(group: click.Group) -> str:
    """Every command under `group`, in order, with its usage, help and options."""
    lines = [HEADER, "# Commands", ""]
    for path, command in _walk(group, ["voicebot"]):
        if isinstance(command, click.Group):
            continue
        ctx = click.Context(command, info_name=" ".join(path))
        lines += [f"## `{' '.join(path)}`", "", f"    {command.get_usage(ctx)}", ""]
        lines += [inspect.cleandoc(command.help or ""), ""]
        options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
        if options:
            lines += ["| option | meaning |", "|---|---|"]
            for option in options:
                names = ", ".join(f"`{n}`" for n in option.opts + option.secondary_opts)
                help_text = option.help or ""
                if isinstance(option.type, click.Choice):
                    help_text += f" One of {', '.join(map(str, option.type.choices))}."
                help_text = help_text.strip().replace("|", "\\|")
                if option.show_default and option.default not in (None, False):
                    help_text += f" (default {option.default})"
                lines.append(f"| {names} | {help_text} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def settings_markdown() -> str:
    """Every setting: environment variable, default, and what it does (the field's docstring)."""
    notes = _field_docstrings()
    lines = [
        HEADER,
        "# Settings",
        "",
        "Read from the environment (a `.env` file in the working directory is read too). Nothing",
        "is required for `chat`, `match`, `intents` and `kpi`; `serve` says in one line what it",
        "misses. Paths default under the checkout, or, for an installed package, the working",
        "directory (`intents/`, `audio/`, `var/`).",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for f in fields(Settings):
        default = "" if f.default is MISSING else f.default
        if f.default is MISSING and f.default_factory is not MISSING:
            default = f.default_factory()
        shown = _shown(default)
        note = " ".join(notes.get(f.name, "").split()).replace("|", "\\|")
        lines.append(f"| `{f.name.upper()}` | {shown} | {note} |")
    return "\n".join(lines) + "\n"


def write(directory: Path, group: click.Group) -> list[Path]:
    """Write both files; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("cli.md", cli_markdown(group)), ("settings.md", settings_markdown())):
        (directory / name).write_text(text)
        written.append(directory / name)
    return written


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            out += _walk(command.commands[name], [*path, name])
    return out


def _field_docstrings() -> dict[str, str]:
    """The string that follows each field of `Settings` in config.py (what `help()` cannot see)."""
    tree = ast.parse(Path(config.__file__).read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    notes: dict[str, str] = {}
    for node, after in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            notes[node.target.id] = after.value.value
    return notes


def _shown(default: object) -> str:
    """A default as the reader would write it: unset, a path relative to HOME, or the value."""
    if default in (None, "", ()):
        return "unset"
    if isinstance(default, Path):
        try:
            return f"`{default.relative_to(HOME)}`"
        except ValueError:
            return f"`{default}`"
    if isinstance(default, tuple):
        return ", ".join(f"`{v}`" for v in default)
    return f"`{default}`"
