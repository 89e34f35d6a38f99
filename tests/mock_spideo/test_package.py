"""The package's public names: all there, each its home module's object, imported only
when first used."""

import pytest

import mock_spideo
from tests.support.exports import check_exports, modules_after


def test_every_public_name_resolves_to_its_home_modules_object():
    check_exports("mock_spideo")


def test_a_name_the_package_does_not_export_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'receive'"):
        mock_spideo.receive  # noqa: B018 (in mock_spideo.http.destination, not exported)


def test_the_engine_and_the_version_come_without_flask():
    loaded = modules_after("import mock_spideo\nmock_spideo.map_message\n"
                           "mock_spideo.__version__")
    assert "mock_spideo.engine.mapping" in loaded
    assert not {"flask", "werkzeug", "mock_spideo.http.app"} & loaded


def test_importing_the_package_imports_none_of_its_layers():
    loaded = modules_after("import mock_spideo")
    assert not {m for m in loaded if m.startswith("mock_spideo.")}
