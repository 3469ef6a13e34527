"""Daftar's central server (issue 4): enrolment, authentication, handshake, push and pull.

Number pools, reference data distribution and the client side come in later slices;
docs/sync-protocol.md describes the whole protocol and marks what exists now.
"""

#: The sync protocol version this server speaks.
PROTOCOL_VERSION = 1
#: The oldest client protocol version this server still accepts.
MIN_PROTOCOL_VERSION = 1
