"""The HTTP surfaces: the Flask app factory, POST /segment, Spideo's REST API, /__admin,
the web UI (ui, templating, charts), the request log, and the waitress server.

Layer rule: the only layer that imports Flask. Views parse requests, call the engine and
the store, and answer; no mapping logic and no SQL live here.
"""
