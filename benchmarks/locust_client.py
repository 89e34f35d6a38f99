"""The Locust side of the load figures, in a process of its own (Locust patches the
standard library when imported, so it is imported first, here, and never in the parent).

    python -m benchmarks.locust_client floor URL BODIES_FILE USERS
        a bare Locust FastHttpUser posting the bodies, no wait
    python -m benchmarks.locust_client ours URL USERS MESSAGES
        spideo-sim load's users delivering the first MESSAGES messages of the stream
        (users=40, seed=7), unpaced
    -> prints the seconds from the first answer to the last, and the requests made
"""

import sys
import time

import gevent
import locust  # first: gevent's patching before anything imports ssl
from locust import FastHttpUser, task
from locust.env import Environment

from mock_spideo.segment import destination_headers
from simulator.load.locustfile import SegmentShape, SegmentUser, state_of
from simulator.load.plan import LoadPlan

BODIES: list[bytes] = []


class FloorUser(FastHttpUser):
    """A bare Locust user: the same bodies, the same endpoint, nothing else."""

    host = "http://127.0.0.1"
    headers = destination_headers("demo-key", {"client": "demo"})
    url = ""

    def wait_time(self) -> float:
        return 0.0

    @task
    def post(self) -> None:
        if not BODIES:
            gevent.sleep(0.01)
            return
        self.client.post(self.url, data=BODIES.pop(), headers=self.headers, name="message")


def first_request(environment: Environment) -> float:
    """When the first answer came: both clients are timed from there, so neither's
    setup counts (reading the bodies; building the simulation's viewers and catalog)."""
    while not environment.stats.total.num_requests:
        gevent.sleep(0.001)
    return time.perf_counter()


def floor(url: str, bodies_file: str, users: int) -> None:
    with open(bodies_file, "rb") as handle:
        BODIES.extend(body for body in handle.read().split(b"\n") if body)
    count = len(BODIES)
    FloorUser.url = url
    environment = Environment(user_classes=[FloorUser])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=1000)
    started = first_request(environment)
    while BODIES or sum(e.num_requests for e in environment.stats.entries.values()) < count:
        gevent.sleep(0.005)
    seconds = time.perf_counter() - started
    runner.quit()
    print(seconds, count)


def ours(url: str, users: int, messages: int) -> None:
    plan = LoadPlan(endpoint=url, api_key="demo-key", client="demo", users=40, seed=7,
                    messages=messages, rate=users * 1e6, user_rate=1e6)
    environment = Environment(user_classes=[SegmentUser], shape_class=SegmentShape(),
                              events=locust.events)
    state_of(environment).plan = plan
    runner = environment.create_local_runner()
    locust.events.init.fire(environment=environment, runner=runner, web_ui=None)
    state = state_of(environment)
    runner.start_shape()
    started = first_request(environment)
    while not state.finished():  # as the floor: not the shape's once-a-second tick
        gevent.sleep(0.005)
    seconds = time.perf_counter() - started
    tally = state.tally()
    runner.quit()
    print(seconds, tally.ledger.attempts)


if __name__ == "__main__":
    if sys.argv[1] == "floor":
        floor(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        ours(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
