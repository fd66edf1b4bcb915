"""What keeps a node running: embedded Redis, the spool, the supervisor, serving, keys, health."""
