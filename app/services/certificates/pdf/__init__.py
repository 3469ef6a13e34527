"""Certificate PDFs without Qt: the Persian line engine, the adjustable layout, the pages.

``text`` shapes, wraps and reorders Persian lines for reportlab; ``layout`` holds the
office-adjustable :class:`CertificateStyle`; ``certificate`` renders licence and
attendance certificates to PDF bytes, drawing each with ``page`` (frame, header, field
grid, footer) and ``qr`` (the QR code); ``payloads`` stores the pages' QR payloads in the
PDF and reads them back; ``check`` compares a PDF's pages with what their payloads sign.
"""

from app.services.certificates.pdf.certificate import (
    AttendanceCertificateData,
    LicenceCertificateData,
    render_attendance_certificates,
    render_licence_certificates,
)
from app.services.certificates.pdf.layout import (
    CertificateStyle,
    StyleError,
    default_style_path,
    load_style,
)
from app.services.certificates.pdf.payloads import PayloadError, extract_payloads
from common.pdf_text import FontMissing, draw_paragraph, register_fonts

__all__ = [
    "AttendanceCertificateData",
    "CertificateStyle",
    "FontMissing",
    "LicenceCertificateData",
    "PayloadError",
    "StyleError",
    "default_style_path",
    "draw_paragraph",
    "extract_payloads",
    "load_style",
    "register_fonts",
    "render_attendance_certificates",
    "render_licence_certificates",
]
