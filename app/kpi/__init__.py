"""Conversation outcomes and the KPI built from them (docs/conversation.md)."""
