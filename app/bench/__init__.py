"""`voicebot bench`: figures for speed and memory. Prints; asserts nothing."""
