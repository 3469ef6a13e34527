"""Daftar's central server (issue 4): enrolment, authentication, handshake, push and pull.

Number pools, reference data distribution and the client side come in later slices;
docs/sync-protocol.md describes the whole protocol and marks what exists now.
"""

# The protocol version it speaks is common.protocol.PROTOCOL_VERSION.

#: The oldest client protocol version this server still accepts.
MIN_PROTOCOL_VERSION = 1
