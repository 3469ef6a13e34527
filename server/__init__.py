"""Daftar's central server (issue 4): enrolment, authentication, health and handshake.

The sync protocol itself (push, pull, conflicts, number pools) comes in a later slice;
docs/sync-protocol.md describes the whole protocol and marks what exists now.
"""

#: The sync protocol version this server speaks.
PROTOCOL_VERSION = 1
#: The oldest client protocol version this server still accepts.
MIN_PROTOCOL_VERSION = 1
