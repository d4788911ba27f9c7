"""The host's entry point is thin: ``plugin`` re-exports the web package's names."""

from __future__ import annotations

import plugin
import sla_timers.web


def test_plugin_reexports_the_extension_and_blueprint() -> None:
    assert plugin.SLATimers is sla_timers.web.SLATimers
    assert plugin.blueprint is sla_timers.web.blueprint
    assert plugin.__all__ == ["SLATimers", "blueprint"]
