"""The public-seams contract (tools/public_seams.py) that `make lint` runs: it must see
a private module, a name missing from __all__, and a reach into app.extensions."""

from pathlib import Path

from tools.public_seams import _breaches


def test_the_seams_contract_names_each_breach(tmp_path: Path):
    source = tmp_path / "user.py"
    source.write_text(
        "from mock_spideo import create_app, __version__\n"      # public: fine
        "from mock_spideo.engine.fql import matches\n"           # in __all__: fine
        "from mock_spideo.engine.fql import _UNDEFINED\n"        # private name
        "from mock_spideo.http.destination import receive\n"     # not in __all__
        "import mock_spideo._hidden\n"                           # private module
        "state = app.extensions['mock_spideo']\n")               # reach into the app
    reasons = sorted((b.line, b.reason.split(",")[0]) for b in _breaches(source, "mock_spideo"))
    assert reasons == [
        (3, "imports _UNDEFINED from mock_spideo.engine.fql"),
        (4, "imports receive from mock_spideo.http.destination"),
        (5, "imports the private module mock_spideo._hidden"),
        (6, "reaches into app.extensions of mock_spideo; use its public accessor instead"),
    ]
