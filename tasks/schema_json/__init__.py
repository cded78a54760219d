"""The built-in schema_json task: text → JSON conforming to a JSON Schema (see README.md)."""
