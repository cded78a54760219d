"""Where things live by default. Imports nothing, so the CLI can name them without loading the library."""

# The results store when neither --db nor $HARNESS_DB names one.
DEFAULT_DB = "results/harness.duckdb"
DB_ENV = "HARNESS_DB"
