"""`make bench`: each part of spideo-sim measured against a floor or a peer in the same run.

Absolute times drift on shared machines, so every figure has a baseline measured in the
same run, and targets are stated on the ratio where the issue states them that way.
"""
