"""Validate mock responses against mock_spideo/data/openapi.yaml (the HTTP contract)."""

import re
from functools import cache
from importlib import resources

import yaml
from jsonschema import Draft202012Validator


@cache
def spec() -> dict:
    text = resources.files("mock_spideo").joinpath("data/openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _template_for(path: str) -> str:
    path = path.split("?", 1)[0]
    for template in spec()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"no path of the OpenAPI document matches {path}")


def assert_conforms(method: str, path: str, status: int, body) -> None:
    """The body is what the contract says for this method, path and status."""
    operation = spec()["paths"][_template_for(path)].get(method.lower())
    assert operation, f"{method} {path} is not in the OpenAPI document"
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get("default")
    assert response, f"{method} {path} answered {status}, not documented"
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        return
    validator = Draft202012Validator({**schema, "components": spec()["components"]})
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, f"{method} {path} {status} breaks the contract: {errors[:3]}"
