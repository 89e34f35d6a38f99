"""A model of Spideo's REST API (users, interactions, tracked flags, deletions, resets)
that must agree with the mock's journal after any sequence of calls."""

from functools import cache
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mock_spideo import create_app, vocabulary

pytestmark = pytest.mark.slow  # see tests/conftest.py

USERS = st.sampled_from(["u1", "u/2", "ü 3"])
CONTENTS = st.sampled_from(["c1", "c/2", "épisode 3"])
TYPES = st.sampled_from(["play", "like", "purchase", "Click"])
HEADERS = {"x-api-key": "demo-key"}


@cache
def shared_app() -> Flask:
    """One mock for every run of the machine, reset at the start of each (the `reset`
    rule checks that a reset forgets everything the model knows)."""
    return create_app()


class RestApi(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.client = shared_app().test_client()
        assert self.client.post("/__admin/reset").status_code == 200
        self.model: dict[str, list[tuple[str, str]]] = {}  # user -> [(type, content)]
        self.untracked: set[str] = set()

    def path(self, user: str, rest: str = "") -> str:
        return f"/demo/users/{quote(user, safe='')}{rest}"

    @rule(user=USERS, kind=TYPES, content=CONTENTS)
    def add(self, user, kind, content):
        reply = self.client.post(self.path(user, f"/interactions/{kind}/content/"
                                                 f"{quote(content, safe='')}"), headers=HEADERS)
        if user in self.untracked:
            assert reply.status_code == 400
            assert reply.get_json()["code"] == "user_not_tracked"
        else:
            assert reply.status_code == 200
            self.model.setdefault(user, []).append((vocabulary().canonical(kind), content))

    @rule(user=USERS, kind=TYPES, content=CONTENTS)
    def remove(self, user, kind, content):
        reply = self.client.delete(self.path(user, f"/interactions/{kind}/content/"
                                                   f"{quote(content, safe='')}"),
                                   headers=HEADERS)
        key = (vocabulary().canonical(kind), content)
        before = self.model.get(user, [])
        self.model[user] = [item for item in before if item != key]
        assert reply.get_json() == {"deleted": len(before) - len(self.model[user])}

    @rule(user=USERS, tracked=st.booleans())
    def track(self, user, tracked):
        reply = self.client.put(self.path(user, f"?tracked={str(tracked).lower()}"),
                                headers=HEADERS)
        assert reply.get_json()["tracked"] is tracked
        (self.untracked.discard if tracked else self.untracked.add)(user)

    @rule(user=USERS)
    def forget(self, user):
        reply = self.client.delete(self.path(user), headers=HEADERS)
        assert reply.get_json() == {"deleted": len(self.model.pop(user, []))}

    @rule()
    def reset(self):
        self.client.post("/__admin/reset")
        self.model.clear()
        self.untracked.clear()

    @invariant()
    def journal_agrees_with_model(self):
        for user in ("u1", "u/2", "ü 3"):
            listed = self.client.get(self.path(user, "/interactions?limit=1000"),
                                     headers=HEADERS).get_json()
            assert sorted((i["type"], i["contentId"]) for i in listed) == sorted(
                self.model.get(user, []))
            shown = self.client.get(self.path(user), headers=HEADERS).get_json()
            assert shown["tracked"] is (user not in self.untracked)
            assert shown["interactions"] == len(self.model.get(user, []))


TestRestApi = RestApi.TestCase
TestRestApi.settings = settings(settings.default, max_examples=settings.default.max_examples // 2,
                                stateful_step_count=20)
