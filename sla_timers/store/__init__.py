"""The store: SQLAlchemy 2 models, ingestion, materialized timers and the escalation sweep."""
