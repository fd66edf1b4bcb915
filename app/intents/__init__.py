"""The intent catalogue: its files, their validation, the versions every node shares."""
