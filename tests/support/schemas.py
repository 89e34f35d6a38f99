"""The JSON Schema every generated message must satisfy, as a fast validator for tests.

The schema (simulator/schemas/message.schema.json) is the one source of truth; it is checked
against the 2020-12 meta-schema by the reference implementation (jsonschema), then compiled
by jsonschema-rs, which validates the ten thousand messages of a simulated day about a
hundred times faster than the pure-Python validator.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import jsonschema_rs
from jsonschema import Draft202012Validator


@cache
def message_validator() -> jsonschema_rs.Draft202012Validator:
    """A validator for the message schema; `iter_errors(message)` names each problem."""
    text = resources.files("simulator").joinpath("schemas/message.schema.json").read_text("utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return jsonschema_rs.Draft202012Validator(schema)
