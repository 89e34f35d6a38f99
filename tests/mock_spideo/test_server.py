"""The server under load from idle and slow clients: they are timed out, and they never
keep a normal client from being served."""

import socket

import urllib3

from mock_spideo import LiveServer, create_app
from simulator.deliver import Outcome
from simulator.deliver.tracking_api import TrackingApi, create_tracking_app


def hold_connections(port: int, idle: int, slow: int) -> list[socket.socket]:
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle + slow)]
    for connection in held[:slow]:  # headers that never end
        connection.sendall(b"POST /segment HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
    return held


def test_hundreds_of_idle_and_slow_clients_do_not_block_a_normal_one():
    apps = [create_app(), create_tracking_app(TrackingApi(
        "k", lambda m: Outcome("filtered", None, None, None)))]
    for app, path in zip(apps, ("/__admin/health", "/v1/stats"), strict=True):
        with LiveServer(app) as server:
            held = hold_connections(server.port, idle=300, slow=150)
            try:
                reply = urllib3.request("GET", server.url + path, timeout=10, retries=False)
                assert reply.status == 200
            finally:
                for connection in held:
                    connection.close()


def test_a_silent_connection_is_closed_after_the_idle_timeout():
    with LiveServer(create_app(), idle_timeout=0.5) as server:
        (idle,) = hold_connections(server.port, idle=1, slow=0)
        idle.settimeout(10)  # a safety net: recv raises if the server never closes it
        assert idle.recv(1) == b""  # closed by the server
        idle.close()
