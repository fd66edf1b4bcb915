"""RQ jobs: plain functions that take ids and texts, safe to run twice."""
