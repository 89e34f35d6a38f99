"""Profiles: typed sections; a bad key, type or value fails with the file and the path."""

import pytest

from simulator.generate import ProfileError, load_profile


def write(tmp_path, text: str):
    path = tmp_path / "my.yaml"
    path.write_text(text)
    return path


def test_a_subset_overrides_the_defaults_and_keeps_the_rest(tmp_path):
    profile = load_profile(write(tmp_path, "behaviour: {pause: 0.9}\ntiming:\n"
                                           "  pause: {min: 1, max: 2}\n"))
    assert profile.behaviour.pause == 0.9
    assert profile.behaviour.seek == load_profile().behaviour.seek
    assert profile.timing.pause.ms == (1000, 2000)


def test_free_form_maps_are_replaced_whole(tmp_path):
    profile = load_profile(write(tmp_path, "population: {device_mix: {tv: 1}}\n"))
    assert profile.population.device_mix == {"tv": 1.0}


@pytest.mark.parametrize(("text", "words"), [
    ("population: {userz: 3}\n", "population: Object contains unknown field `userz`"),
    ("behaviour: {pause: high}\n", "behaviour.pause: Expected `float`, got `str`"),
    ("behaviour: {pause: 1.5}\n", "behaviour.pause: Expected `float` <= 1.0"),
    ("population: {users: true}\n", "population.users: Expected `int`, got `bool`"),
    ("timing: {click: {min: 9, max: 2}}\n", "timing.click: min (9.0) is above max (2.0)"),
    ("sessions: {diurnal: [1, 2]}\n", "length >= 24"),
    ("engage: {audiences: {both: {plays_within_hours: 1, orders_within_hours: 2}}}\n",
     "exactly one of"),
    ("engage: {traits: {t: {top_genre_within_hours: 1, last_played_within_hours: 2}}}\n",
     "engage.traits[...]: a trait needs exactly one of"),
    ("engage: {traits: {t: {watch_minutes_within_hours: 0}}}\n",
     "engage.traits[...].watch_minutes_within_hours: Expected `float` > 0.0"),
    ("population: {locales: [fr_FR, xx_XX]}\n",
     "population: locales: xx_XX: give Faker locales such as en_US"),
    ("population: {locales: []}\n", "population: locales: none given"),
    ("population: {device_mix: {fridge: 1, tv: 1}}\n",
     "population: device_mix: fridge: the device kinds are tv, mobile, tablet, web"),
    ("population: {genres: []}\n", "population: genres: give at least one"),
    ("population: {users: 16777217}\n", "population.users: Expected `int` <= 16777216"),
])
def test_a_bad_value_names_the_file_and_the_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value).startswith(f"{path}: ")
    assert words in str(error.value)


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "population:\n  users: [1\n")
    with pytest.raises(ProfileError, match=rf"^{path}:3: not valid YAML in the profile"):
        load_profile(path)


def test_keyword_overrides_use_dotted_keys():
    assert load_profile(**{"population.users": 7, "engage.enabled": None}).population.users == 7


def test_more_viewers_than_a_simulation_holds_are_refused_before_any_is_built():
    """16,777,216 (MAX_VIEWERS): a profile, an override or --users over it is refused at
    once, where building the viewers first took hours and every gigabyte of memory."""
    from click.testing import CliRunner

    from simulator.cli import main
    from simulator.generate.profile import MAX_VIEWERS
    assert load_profile(**{"population.users": MAX_VIEWERS}).population.users == MAX_VIEWERS
    refusal = ("population.users=16777217 (an override of the default profile): "
               "Expected `int` <= 16777216")
    with pytest.raises(ProfileError) as error:
        load_profile(**{"population.users": MAX_VIEWERS + 1})
    assert str(error.value) == refusal
    done = CliRunner().invoke(main, ["generate", "--users", str(MAX_VIEWERS + 1)])
    assert (done.exit_code, done.output.strip()) == (1, f"Error: {refusal}")
