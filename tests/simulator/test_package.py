"""The package's public names: all there, each its home module's object, imported only
when first used."""

import pytest

import simulator
from tests.support.exports import check_exports, modules_after


def test_every_public_name_resolves_to_its_home_modules_object():
    check_exports("simulator")


def test_a_name_the_package_does_not_export_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Shard'"):
        simulator.Shard  # noqa: B018 (in simulator.generate.stream, not exported)


def test_importing_the_package_imports_neither_its_layers_nor_the_mock():
    loaded = modules_after("import simulator")
    assert not {m for m in loaded if m.startswith(("simulator.", "mock_spideo", "flask"))}


def test_the_generator_comes_without_flask_or_the_testing_layer():
    loaded = modules_after("from simulator import Simulation")
    assert "simulator.generate.stream" in loaded
    assert not {"flask", "jsonschema", "simulator.testing"} & loaded
