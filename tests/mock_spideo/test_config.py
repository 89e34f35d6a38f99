"""Configuration: clients and keys from a file, validation, masking."""

import pytest

from mock_spideo import ConfigError, MockConfig, mask_key


def test_a_config_file_sets_clients_rules_and_strictness(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: all\n    when: type = \"track\"\n    ignore: everything\n")
    config = tmp_path / "mock.yaml"
    config.write_text("clients:\n  acme: acme-secret-key\n  beta: beta-secret-key\n"
                      "rules: rules.yaml\nunknown_content: error\n")
    loaded = MockConfig.from_file(config)
    assert loaded.clients == {"acme": "acme-secret-key", "beta": "beta-secret-key"}
    assert loaded.client_for_key("beta-secret-key") == "beta"
    assert loaded.client_for_key("beta-secret-ke") is None
    assert [r.name for r in loaded.rules.rules] == ["all"]
    assert loaded.unknown_content == "error"


def test_a_config_file_caps_the_request_log(tmp_path):
    config = tmp_path / "mock.yaml"
    config.write_text("max_requests: 5000\n")
    assert MockConfig.from_file(config).max_requests == 5000
    assert MockConfig().max_requests is None  # no cap unless asked


def test_json_config_files_work_too(tmp_path):
    config = tmp_path / "mock.json"
    config.write_text('{"clients": {"acme": "k-123456"}}')
    assert MockConfig.from_file(config).clients == {"acme": "k-123456"}


@pytest.mark.parametrize(("text", "words"), [
    ("clients: {a: same, b: same}", "share an API key"),
    ("clients: {}", "clients must map"),
    ("colour: red", "unknown key 'colour'"),
    ("unknown_content: maybe", "unknown_content must be"),
    ("[1, 2]", "expected a mapping"),
    ("max_requests: 0", "max_requests must be a whole number >= 1"),
    ("max_requests: many", "max_requests must be a whole number >= 1"),
])
def test_bad_config_files_say_why(tmp_path, text, words):
    config = tmp_path / "mock.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        MockConfig.from_file(config)
    assert words in str(caught.value) and str(config) in str(caught.value)


def test_keys_are_masked():
    assert mask_key("demo-key") == "de****ey"
    assert mask_key("abc") == "****"
    assert mask_key("a-much-longer-key-23") == "a-****23"  # its length is not shown
    assert "secret" not in mask_key("my-secret-key-123")
