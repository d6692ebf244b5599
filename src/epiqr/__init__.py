"""EpiQR: open-source epidemic response with QR codes."""

__version__ = "0.1.0"
