"""JSON Schemas shipped with the simulator (what a generated message must satisfy)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["message_validator"]


@cache
def message_validator() -> Draft202012Validator:
    """A validator for schemas/message.schema.json (Segment's common fields, strictly)."""
    text = resources.files("simulator").joinpath("schemas/message.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
