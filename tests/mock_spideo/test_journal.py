"""The journal: SQLite in memory or on disk, thread-safe."""

import threading

from mock_spideo import Feed, InProcessEndpoint, MockConfig, create_app, mock_state
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
    """The journal under concurrent writers: eight threads through the request core at
    once (in-process, as `simulate` delivers; over a socket the same core is reached, at
    ten times the cost of the sockets and HTTP parsing that are not under test here)."""
    app = create_app()
    endpoint = InProcessEndpoint(app)
    headers = {"Authorization": "Basic ZGVtby1rZXk6", "Content-Type": "application/json"}
    errors = []

    def worker(number: int) -> None:
        for i in range(500):
            body = (f'{{"type":"track","event":"Product Clicked","userId":"u{number}",'
                    f'"messageId":"m{number}-{i}","properties":{{"product_id":"p{i}"}}}}')
            reply = endpoint.post("/segment", body.encode(), headers)
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


def _traffic(app, count=40):
    """Recorded, ignored, duplicate and refused requests, and injected faults."""
    mock_state(app).faults.add({"seed": 2, "faults": [{"name": "flaky", "status": 503,
                                                       "rate": 0.2}]})
    client = app.test_client()
    headers = {"Authorization": "Basic ZGVtby1rZXk6"}
    for n in range(count):
        event = ("Video Content Started", "Video Content Playing", "Product Clicked")[n % 3]
        message = {"type": "track", "event": event, "userId": f"u{n % 4}",
                   "messageId": f"m{n // 2}", "timestamp": "2025-01-06T20:00:00.000Z",
                   "properties": {"asset_id": f"a{n}"}}
        if n % 7 == 0:
            del message["properties"]  # refused: missing_content_id
        client.post("/segment", headers=headers, json=message)


def _rows(journal):
    return [{k: v for k, v in row.items() if k not in ("id", "at", "duration_ms")}
            for row in journal.requests()]


def test_past_max_requests_the_oldest_rows_go_and_every_count_stays_exact():
    capped, whole = create_app(MockConfig(max_requests=10)), create_app()
    for app in (capped, whole):
        _traffic(app)
    kept, every = mock_state(capped).journal, mock_state(whole).journal
    assert 9 <= len(kept.requests()) <= 10
    assert _rows(kept) == _rows(every)[-len(kept.requests()):]
    assert {p["message_id"] for p in kept.problems()} <= {
        r["message_id"] for r in kept.requests()}
    assert kept.stats() == every.stats()
    assert kept.stats()["requests"] == 40
    assert kept.problem_summary() == every.problem_summary()
    assert set(kept.problem_summary()) == {"duplicate_message", "injected_fault",
                                           "missing_content_id"}
    first = every.problems("missing_content_id")[0]["message"]
    assert kept.problem_summary()["missing_content_id"]["example"] == first
    assert len(kept.interactions()) == len(every.interactions()) > 0  # never dropped


def test_past_max_requests_the_funnel_still_counts_every_request():
    capped, whole = create_app(MockConfig(max_requests=10)), create_app()
    for app in (capped, whole):
        _traffic(app)

    def counts(app):
        funnel = Feed(mock_state(app).journal).funnel()
        return funnel["received"], {
            name: (entry["count"], {r["code"]: r["count"] for r in entry["reasons"]})
            for name, entry in funnel["outcomes"].items()}

    assert counts(capped) == counts(whole)
    assert counts(whole)[0] == 40


def test_reset_forgets_the_dropped_counts_too():
    app = create_app(MockConfig(max_requests=3))
    _traffic(app, 12)
    mock_state(app).reset()
    assert mock_state(app).journal.stats()["requests"] == 0
    _traffic(app, 5)
    assert mock_state(app).journal.stats()["requests"] == 5


def test_message_ids_are_told_apart_exactly():
    journal = Journal()
    uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    with journal.transaction() as db:
        assert journal.first_sight(db, "demo", uuid)
        assert not journal.first_sight(db, "demo", uuid)
        assert journal.first_sight(db, "demo", uuid.upper())  # another messageId
        assert journal.first_sight(db, "other", uuid)  # another client
        assert journal.first_sight(db, "demo", "0f8fad5bd9cb469fa16570867728950e")
        assert journal.first_sight(db, "demo", "personas_" + uuid)
        assert not journal.first_sight(db, "demo", "personas_" + uuid)


def test_a_journal_file_from_before_keeps_its_seen_message_ids(tmp_path):
    import sqlite3
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE seen_messages (client TEXT NOT NULL, message_id TEXT NOT NULL,"
                " PRIMARY KEY (client, message_id))")
    old.executemany("INSERT INTO seen_messages VALUES (?, ?)",
                    [("demo", "0f8fad5b-d9cb-469f-a165-70867728950e"), ("demo", "m-1")])
    old.commit()
    old.close()
    journal = Journal(path)
    with journal.transaction() as db:
        assert not journal.first_sight(db, "demo", "0f8fad5b-d9cb-469f-a165-70867728950e")
        assert not journal.first_sight(db, "demo", "m-1")
        assert journal.first_sight(db, "demo", "m-2")
    assert not journal._query("SELECT 1 FROM sqlite_master WHERE name = 'seen_messages'")


def test_in_memory_a_failed_unit_rolls_back_alone_while_the_others_stay():
    """In memory, units of work share one SQLite transaction as savepoints."""
    journal = Journal()
    first = Interaction("play", "u", "a", "2025-01-01T00:00:00.000Z")
    second = Interaction("play", "u", "b", "2025-01-01T00:00:00.000Z")
    with journal.transaction() as db:
        journal.add_interactions(db, "demo", [first], via="rest")
    try:
        with journal.transaction() as db:
            journal.add_interactions(db, "demo", [second], via="rest")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    for n in range(2500):  # past a few groups: every commit keeps what was released
        with journal.transaction() as db:
            journal.first_sight(db, "demo", f"m{n}")
    assert [i["content_id"] for i in journal.interactions()] == ["a"]
    with journal.transaction() as db:
        assert not journal.first_sight(db, "demo", "m0")


def test_a_file_journal_commits_every_unit(tmp_path):
    import sqlite3
    journal = Journal(tmp_path / "journal.sqlite")
    with journal.transaction() as db:
        journal.add_interactions(
            db, "demo", [Interaction("play", "u", "a", "2025-01-01T00:00:00.000Z")], via="rest")
    other = sqlite3.connect(tmp_path / "journal.sqlite")
    assert other.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 1
