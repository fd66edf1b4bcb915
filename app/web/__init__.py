"""Pages and APIs for people and systems around the bot (agents, contact-centre software)."""
