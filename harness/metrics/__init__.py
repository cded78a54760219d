"""Metrics shared by tasks: text, classification, calls and statistics."""
