"""What a conversation leaves behind: KPI, hand-offs, callback requests, answers to review."""
