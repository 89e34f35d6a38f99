"""Field paths: parsing, lookups that ignore casing, and canonical copies of messages."""

import pytest

from mock_spideo.engine.paths import PathSyntaxError, canonical_tree, lookup, parse_path
from mock_spideo.errors import SpideoSimError


@pytest.mark.parametrize(("text", "path"), [
    ("properties.asset_id", ("properties", "asset_id")),
    ("  properties.asset_id\n", ("properties", "asset_id")),
    ("properties.products[0].sku", ("properties", "products", 0, "sku")),
    ("grid[12][3]", ("grid", 12, 3)),
    ("event", ("event",)),
    ("a b.c-d", ("a b", "c-d")),
])
def test_paths_parse_into_names_and_indexes(text, path):
    assert parse_path(text) == path


@pytest.mark.parametrize("text", [None, 5, "", "   "])
def test_a_path_must_be_a_non_empty_string(text):
    with pytest.raises(PathSyntaxError) as caught:
        parse_path(text)
    assert str(caught.value) == ("a path must be a non-empty string such as "
                                 "properties.asset_id")
    assert isinstance(caught.value, SpideoSimError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("text", "segment"), [
    ("properties..x", ""), ("a[x]", "a[x]"), ("[0].a", "[0]"), ("a.", ""), ("a[0]b", "a[0]b"),
])
def test_a_segment_that_cannot_be_read_is_named(text, segment):
    with pytest.raises(PathSyntaxError) as caught:
        parse_path(text)
    assert str(caught.value) == f"cannot read '{segment}' in path '{text}'"


MESSAGE = {"properties": {"asset_id": "exact", "AssetId": "other", "products": [
    {"SKU": "s0"}, {"sku": "s1"}], "nothing": None, "text": "abc"}}


@pytest.mark.parametrize(("path", "found"), [
    (("properties", "asset_id"), "exact"),
    (("properties", "AssetId"), "other"),
    (("properties", "ASSET-ID"), "exact"),
    (("properties", "products", 0, "sku"), "s0"),
    (("properties", "products", 1, "Sku"), "s1"),
    (("properties", "products", 2), None),
    (("properties", "products", 2, "sku"), None),
    (("properties", "products", "0"), None),
    (("properties", 0), None),
    (("properties", "nothing", "deeper"), None),
    (("properties", "text", "length"), None),
    (("properties", "text", 0), None),
    (("properties", "missing"), None),
    ((), MESSAGE),
])
def test_lookup_reads_any_casing_and_answers_none_when_absent(path, found):
    assert lookup(MESSAGE, path) == found


def test_lookup_of_the_last_list_item_and_past_it():
    assert lookup({"l": ["a", "b"]}, ("l", 1)) == "b"
    assert lookup({"l": ["a", "b"]}, ("l", 2)) is None


def test_lookup_skips_keys_a_python_caller_made_that_are_not_text():
    assert lookup({1: "one", "Asset_Id": "a1"}, ("asset_id",)) == "a1"
    assert lookup({1: "one"}, (1,)) is None


def test_canonical_tree_copies_with_canonical_keys_first_one_winning():
    message = {"Asset_Id": 1, "assetId": 2, "Products": [{"Product-ID": "p", "n": [{"X": 1}]}],
               7: "kept", "plain": "Value Kept"}
    assert canonical_tree(message) == {
        "assetid": 1, "products": [{"productid": "p", "n": [{"x": 1}]}], 7: "kept",
        "plain": "Value Kept"}
    assert message["Asset_Id"] == 1 and "assetid" not in message  # a copy


@pytest.mark.parametrize("value", [None, 5, "Text", 2.5, True])
def test_canonical_tree_returns_scalars_as_they_are(value):
    assert canonical_tree(value) == value


def nested_dicts(depth):
    value = {"Leaf": 1}
    for _ in range(depth):
        value = {"Key": value}
    return value


def test_canonical_tree_stops_thirty_two_levels_down():
    tree = canonical_tree(nested_dicts(40))
    for _ in range(32):
        assert list(tree) == ["key"]
        tree = tree["key"]
    assert list(tree) == ["Key"]


def test_canonical_tree_stops_lists_thirty_two_levels_down_too():
    innermost = [{"Key": 1}]
    value = innermost
    for _ in range(32):
        value = [value]
    tree = canonical_tree(value)
    for _ in range(32):
        tree = tree[0]
    assert tree is innermost  # not copied: below 32 levels a value is kept as it is
    shallower = canonical_tree(value[0][0])
    for _ in range(30):
        shallower = shallower[0]
    assert shallower == [{"key": 1}]
