"""Sync with the central server (docs/sync-protocol.md). The client's modules:

- client: one sync (handshake, signing keys, reference data, numbers, push, pull);
- setup: an office database made from the server;
- transport: the server's HTTP API, every answer parsed into common.protocol's models;
- push / pull: the outbox pushed in batches, the change feed applied page by page;
- report: what a sync did (including the kinds of records it wrote) and the sync status;
- settings: the server address and token, and the sync's settings keys;
- tables: the synced tables, their kinds, value decoding, fields waiting in the outbox;
- identity: folding a holder (supporter) registered twice; checks: pulled rows checked
  with the rules pushed rows obey; review: what sync leaves for a clerk (conflicts,
  rejected changes); security: the https rule and certificates; errors: SyncError.
"""
