"""Call outcomes and the KPI built from them (DESIGN.md §6)."""
