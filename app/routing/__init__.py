"""Where transferred calls go, and the context that goes with them."""
