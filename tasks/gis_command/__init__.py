"""gis_command: natural-language requests to web-map command calls (see README.md for the grammar)."""
