"""Admin screens (none yet)."""
