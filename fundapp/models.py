"""fundapp composes the apps; it keeps no tables of its own (this module lets post_migrate reach it)."""
