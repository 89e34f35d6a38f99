"""What one mock holds between requests: its configuration, the journal (SQLite), fault
rules and loaded catalogs.

Layer rule: no Flask and no HTTP. Storage and state only; the mapping comes from
`mock_spideo.engine` below, and `mock_spideo.http` above is the only caller that knows
about requests.
"""
