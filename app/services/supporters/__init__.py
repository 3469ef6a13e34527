"""Supporters and their supply-chain networks: the service (supporters, members, coverage)
and import/export (io)."""
