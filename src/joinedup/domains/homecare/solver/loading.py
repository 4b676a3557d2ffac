"""``load_instance``: one entry point for native, UHHC JSON and VRPLIB files."""

from __future__ import annotations

import json
from pathlib import Path

from .model import Instance
from .uhhc import is_uhhc, read_uhhc
from .vrplib_io import read_vrplib


def load_instance(path: str | Path) -> Instance:
    """Reads an instance, detecting the format from its content.

    JSON with ``patients``/``caregivers`` is UHHC; other JSON is the native
    :class:`Instance` schema; anything else is tried as VRPLIB. Raises
    ``ValueError`` (pydantic's ``ValidationError`` is one) naming the record.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith(("{", "[")):
        data = json.loads(text)
        if is_uhhc(data):
            return read_uhhc(data)
        return Instance.model_validate(data)
    if "TIME_WINDOW_SECTION" in text or "NODE_COORD_SECTION" in text:
        return read_vrplib(path)
    raise ValueError(f"{path}: neither JSON (native or UHHC) nor a VRPLIB instance")
