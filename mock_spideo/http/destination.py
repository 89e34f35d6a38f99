"""POST /segment: the endpoint Segment delivers to, as a direct destination.

The view only adapts Flask's request: every check, fault, mapping step and journal
write happens in `mock_spideo.http.receiver`, which the in-process transport calls too.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.receiver import SegmentRequest, receive_segment
from mock_spideo.http.request_log import redacted_path

__all__ = ["blueprint"]

blueprint = Blueprint("destination", __name__)


@blueprint.post("/segment")
def receive() -> Response:
    """Map one Segment message and journal what Spideo would record."""
    segment_request = SegmentRequest(headers=request.headers,
                                     content_length=request.content_length,
                                     read=request.stream.read, path=request.path,
                                     logged_path=redacted_path(), method=request.method)
    return receive_segment(current_state(), current_record(), segment_request).as_response()
