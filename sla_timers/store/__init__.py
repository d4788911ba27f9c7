"""The store: SQLAlchemy 2 models, ingestion, materialized timers and the escalation sweep."""

from .errors import ConfigChangeError as ConfigChangeError
from .errors import EventConflict as EventConflict
from .errors import EventInFutureError as EventInFutureError
from .errors import UnknownPolicyError as UnknownPolicyError
from .store import RecordResult as RecordResult
from .store import Store as Store
from .store import SweepResult as SweepResult

__all__ = [
    "ConfigChangeError",
    "EventConflict",
    "EventInFutureError",
    "RecordResult",
    "Store",
    "SweepResult",
    "UnknownPolicyError",
]
