"""Every package of the source tree ships in the wheel.

``setup.cfg`` lists packages by hand rather than with ``packages = find:``:
``find:`` cannot discover ``sla_timers.calendars`` (and later
``sla_timers.migrations``), which ``package_dir`` maps from folders at the
repository root, so a list is required. This test keeps the list complete, so a
new subpackage cannot be left out of the wheel.
"""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def _listed(cfg: configparser.ConfigParser, option: str) -> list[str]:
    return [line.split("=")[0].strip() for line in cfg["options"][option].splitlines() if line.strip()]


def test_every_package_directory_is_listed() -> None:
    cfg = _setup_cfg()
    listed = set(_listed(cfg, "packages"))
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "sla_timers").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"packages missing from setup.cfg: {sorted(found - listed)}"


def test_every_mapped_folder_is_a_listed_package_with_an_init() -> None:
    cfg = _setup_cfg()
    listed = set(_listed(cfg, "packages"))
    for line in cfg["options"]["package_dir"].splitlines():
        if not line.strip():
            continue
        package, folder = (part.strip() for part in line.split("="))
        assert package in listed, package
        # Editable installs map the folder only when it is a package.
        assert (ROOT / folder / "__init__.py").is_file(), folder
