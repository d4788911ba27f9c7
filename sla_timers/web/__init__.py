"""The Flask plugin: extension, blueprint, JSON API and badges.

Imports Flask; the pure engine (clock, timers, rules) never imports this package.
"""

from .blueprint import blueprint as blueprint
from .errors import ConfigError as ConfigError
from .extension import SLAConfigWarning as SLAConfigWarning
from .extension import SLATimers as SLATimers
from .settings import Settings as Settings
from .watch import Watcher as Watcher
from .watch_declare import WatchError as WatchError

__all__ = ["ConfigError", "SLAConfigWarning", "SLATimers", "Settings", "WatchError", "Watcher", "blueprint"]
