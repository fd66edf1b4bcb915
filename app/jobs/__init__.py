"""RQ jobs: plain functions that take ids and texts, safe to run twice."""

QUEUE_NAME = "voicebot"
"""The one queue web processes enqueue on and `voicebot worker` drains."""
