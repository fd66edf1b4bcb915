"""Answers and misses staff review, and the examples they teach back."""
