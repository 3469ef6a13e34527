"""Certificates: issuing and logging them (service), drawing them (pdf), the desk's signing
keys and the published key set (keys) and verifying a payload, an address or a PDF
(verification)."""
