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
