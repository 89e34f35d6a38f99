"""The HTTP surfaces: the Flask app factory, POST /segment, Spideo's REST API, /__admin,
the request log, and the waitress server that serves them.

Layer rule: the only layer that imports Flask. Views parse requests, call the engine and
the store, and answer; no mapping logic and no SQL live here.
"""
