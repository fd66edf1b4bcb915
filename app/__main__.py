"""`python -m app` is `voicebot`."""

from .cli.main import main

main()
