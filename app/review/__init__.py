"""The improvement loop: what the bot missed, kept redacted, then promoted into intents."""
