"""Certificates of licences and of workshop attendance.

- ``service``: :class:`CertificateService`, the one service callers use; licence
  certificates (issuing, the log, batches) and verifying against the local register;
- ``attendance``: its attendance half (certificates for an event's attendees);
- ``records``: what it gives (a logged certificate, a batch's print check);
- ``serials``: certificate serials and the office's certificate look (style file);
- ``register_status``: what the local register adds to a verified certificate;
- ``verification``: verifying a payload, an address or a PDF without a database;
- ``pdf``: drawing the certificates and checking a PDF's pages.

The desk's signing keys and the published key set live in app.services.core.signing_keys.
"""
