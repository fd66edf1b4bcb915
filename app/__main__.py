"""`python -m app` is `voicebot`."""

from .cli import main

main()
