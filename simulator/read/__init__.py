"""Reading a team's own Segment data: exports (the S3 destination's gzipped JSON lines,
warehouse and debugger exports as JSON or JSONL) read as a stream of messages, with every
unreadable line accounted for, and anonymized on request.

Layer rule: no network and no delivery, like `simulator.generate` beside it; constant
memory whatever the size of the input.
"""

from simulator.read.anonymize import Anonymizer
from simulator.read.exports import ReadError, Reading, Unreadable, input_bytes, read_messages

__all__ = ["Anonymizer", "ReadError", "Reading", "Unreadable", "input_bytes",
           "read_messages"]
