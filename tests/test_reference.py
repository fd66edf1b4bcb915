"""docs/reference/ is written from the code; these fail when someone forgets to rewrite it."""

from dataclasses import fields
from pathlib import Path

from app.cli.main import main
from app.cli.reference import _field_docstrings, cli_markdown, settings_markdown, write
from app.config import Settings

REFERENCE = Path(__file__).parents[1] / "docs" / "reference"


def test_the_reference_pages_are_what_the_code_says(tmp_path):
    for path in write(tmp_path, main):
        shipped = (REFERENCE / path.name).read_text()
        assert shipped == path.read_text(), (
            f"docs/reference/{path.name} is stale: run `voicebot reference docs/reference`"
        )


def test_every_setting_says_what_it_does():
    notes = _field_docstrings()
    assert [f.name for f in fields(Settings) if not notes.get(f.name)] == []


def test_every_command_and_setting_is_listed():
    commands, settings = cli_markdown(main), settings_markdown()
    for name in ("voicebot serve", "voicebot intents eval", "voicebot bench calls", "voicebot sip"):
        assert f"## `{name}`" in commands
    for f in fields(Settings):
        assert f"| `{f.name.upper()}` |" in settings
