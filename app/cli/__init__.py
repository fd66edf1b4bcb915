"""`voicebot`: one module per group of commands; `main` (cli/main.py) is the entry point."""
