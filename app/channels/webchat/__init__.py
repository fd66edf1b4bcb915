"""The website chat: the widget, its API, and the agent's side of a chat."""
