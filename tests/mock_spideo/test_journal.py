"""The journal: SQLite in memory or on disk, thread-safe."""

import threading

import urllib3

from mock_spideo import LiveServer, MockConfig, create_app
from mock_spideo.engine.mapping import Interaction
from mock_spideo.store.journal import Journal


def test_a_file_journal_survives_a_restart(tmp_path):
    path = tmp_path / "journal.sqlite"
    first = create_app(MockConfig(journal_path=str(path)))
    client = first.test_client()
    headers = {"Authorization": "Basic ZGVtby1rZXk6"}
    reply = client.post("/segment", headers=headers, json={
        "type": "track", "event": "Product Clicked", "userId": "u1", "messageId": "m1",
        "properties": {"product_id": "p1"}})
    assert reply.status_code == 200
    first.extensions["mock_spideo"].journal.close()
    second = create_app(MockConfig(journal_path=str(path)))
    assert [i["content_id"] for i in second.extensions["mock_spideo"].journal.interactions()] == [
        "p1"]
    again = second.test_client().post("/segment", headers=headers, json={
        "type": "track", "event": "Product Clicked", "userId": "u1", "messageId": "m1",
        "properties": {"product_id": "p1"}})
    assert again.get_json()["code"] == "duplicate_message"
    assert second.extensions["mock_spideo"].journal.path == str(path)
    mode = second.extensions["mock_spideo"].journal._query("PRAGMA journal_mode")[0][0]
    assert mode == "wal"


def test_eight_threads_of_500_requests_record_exactly_4000():
    app = create_app()
    headers = {"Authorization": "Basic ZGVtby1rZXk6", "Content-Type": "application/json"}
    errors = []
    with LiveServer(app, threads=8) as server:
        def worker(number: int) -> None:
            http = urllib3.PoolManager(retries=False)
            for i in range(500):
                body = (f'{{"type":"track","event":"Product Clicked","userId":"u{number}",'
                        f'"messageId":"m{number}-{i}","properties":{{"product_id":"p{i}"}}}}')
                reply = http.request("POST", server.url + "/segment", body=body,
                                     headers=headers)
                if reply.status != 200:
                    errors.append(reply.status)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    journal = app.extensions["mock_spideo"].journal
    assert errors == []
    assert journal.count_interactions() == 4000
    assert journal.stats()["requests"] == 4000


def test_interactions_roll_back_together():
    journal = Journal()
    item = Interaction("play", "u", "c", "2025-01-01T00:00:00.000Z")
    try:
        with journal.transaction() as db:
            journal.add_interactions(db, "demo", [item], via="rest")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert journal.count_interactions() == 0


def test_a_journal_file_from_before_user_columns_is_brought_up_to_date(tmp_path):
    import sqlite3

    from mock_spideo import Journal
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:
        old.executescript(
            "CREATE TABLE requests (id INTEGER PRIMARY KEY, method TEXT, path TEXT, status"
            " INTEGER, client TEXT, message_id TEXT, type TEXT, event TEXT, outcome TEXT,"
            " problems TEXT, duration_ms REAL, at REAL);"
            "INSERT INTO requests (method, path, status, problems) VALUES"
            " ('POST', '/segment', 200, '[]');")
    journal = Journal(path)
    with journal.transaction() as db:
        journal.add_request(db, method="POST", path="/segment", status=200, client="demo",
                            message_id="m", type_="track", event="E", outcome="ignored",
                            problems=[], duration_ms=1.0, user_id="u1")
    assert [r["user_id"] for r in journal.requests()] == [None, "u1"]
    assert [r["user_id"] for r in journal.requests(user="u1")] == ["u1"]
