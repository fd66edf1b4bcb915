"""Pages and APIs for the people and systems around the bot: agents, admins, contact centre."""
