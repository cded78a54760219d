"""Model backends. Each turns Requests into Responses; see ``base.ModelBackend``."""
