"""The mapping engine: a Segment message in, Spideo's interactions, user properties or a
reasoned refusal out.

Layer rule: pure. No Flask, no HTTP, no journal, no clock, no I/O beyond reading the
package's own data files (problems, vocabulary, default rules) once. Imports only
`mock_spideo.segment` and `mock_spideo.errors` below it.
"""
