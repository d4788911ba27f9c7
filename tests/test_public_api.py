"""The top-level package exports what its docstring and the README promise."""

from __future__ import annotations

from types import ModuleType

import sla_timers


def test_star_import_gives_every_re_exported_name() -> None:
    # The README's tour and the walkthrough use these from `sla_timers`; `__all__` is what
    # `from sla_timers import *` and API docs read, so a name imported but unlisted is missing.
    namespace: dict[str, object] = {}
    exec("from sla_timers import *", namespace)
    for name in (
        "BusinessCalendar",
        "Classification",
        "EscalationLadders",
        "Policy",
        "PolicySet",
        "PriorityMatrix",
        "SLAError",
        "TicketEvent",
        "TimerState",
        "evaluate",
        "evaluate_ticket",
    ):
        assert name in namespace, name
    # Submodules (clock, timers, cli once imported...) are attributes too, but not re-exports.
    public = {
        name
        for name, value in vars(sla_timers).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public == set(sla_timers.__all__)
