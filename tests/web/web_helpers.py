"""Names shared by the web tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: ``create_app(config=None, *, admin=True, agent=True)``: a host app with the plugin.
AppFactory = Callable[..., Flask]
