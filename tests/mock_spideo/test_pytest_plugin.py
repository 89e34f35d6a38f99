"""The mock_spideo fixture as a user gets it from `pip install`: one server per session,
reset between tests, host and port overridable by environment."""

from tests.support.processes import free_port


def test_the_fixture_is_shared_reset_and_placed_by_environment(pytester, monkeypatch):
    port = free_port()
    monkeypatch.setenv("MOCK_SPIDEO_PORT", str(port))
    pytester.makepyfile(f"""
        PLAY = {{"type": "track", "event": "Video Content Watched", "userId": "u1",
                 "properties": {{"asset_id": "xyz"}}}}
        seen = set()

        def test_first(mock_spideo):
            seen.add(id(mock_spideo))
            assert mock_spideo.url == "http://127.0.0.1:{port}"
            assert mock_spideo.send(PLAY).status == 200
            assert [i["type"] for i in mock_spideo.interactions()] == ["play"]

        def test_second_starts_clean(mock_spideo):
            seen.add(id(mock_spideo))
            assert mock_spideo.interactions() == []
            assert len(seen) == 1
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_fixture_helpers_take_the_names_users_type(mock_spideo):
    mock_spideo.send({"type": "track", "event": "Video Content Watched", "userId": "u5",
                      "properties": {"asset_id": "a"}})
    mock_spideo.send({"type": "track", "event": "Product Clicked", "userId": "u6",
                      "properties": {"product_id": "b"}})
    mock_spideo.send({"type": "identify", "userId": "u5", "traits": {"vip": True}})
    assert [i["content_id"] for i in mock_spideo.interactions(type="play")] == ["a"]
    assert [i["user_id"] for i in mock_spideo.interactions(user="u6")] == ["u6"]
    assert [p["name"] for p in mock_spideo.user_properties(user="u5")] == ["vip"]
    assert mock_spideo.user_properties(user="u6") == []


def test_rest_paths_are_under_the_client_prefix_given_or_not(mock_spideo):
    mock_spideo.send({"type": "identify", "userId": "u5", "traits": {"vip": True}})
    short = mock_spideo.rest("GET", "/users/u5")
    full = mock_spideo.rest("GET", "/demo/users/u5")
    assert short.status == full.status == 200
    assert short.body == full.body and short.body["properties"] == {"vip": True}


def test_the_config_fixture_can_be_overridden(pytester):
    pytester.makeconftest("""
        import pytest
        from mock_spideo import MockConfig

        @pytest.fixture(scope="session")
        def mock_spideo_config():
            return MockConfig(clients={"acme": "acme-key"})
    """)
    pytester.makepyfile("""
        def test_acme(mock_spideo):
            assert (mock_spideo.client, mock_spideo.api_key) == ("acme", "acme-key")
            reply = mock_spideo.send({"type": "track", "event": "Video Content Watched",
                                      "userId": "u1", "properties": {"asset_id": "x"}})
            assert reply.status == 200
            assert mock_spideo.rest("GET", "/users/u1/interactions").body[0]["contentId"] == "x"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
