"""Resolved without transfer, by channel, topic, hour and day."""
