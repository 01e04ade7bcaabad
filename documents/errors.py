"""Errors of the documents package.

    DocumentError
    ├── NotAPdfError          an upload to verify is not a PDF at all (also a ValueError)
    └── DocumentStorageError  a stored PDF is missing or no longer matches its recorded hash

The portal's error handler maps these to pages/JSON; the package itself knows nothing of HTTP.
"""

from __future__ import annotations


class DocumentError(Exception):
    """Base class for errors raised by `documents`."""


class NotAPdfError(DocumentError, ValueError):
    """The bytes do not start with `%PDF-`; nothing further is attempted on them."""


class DocumentStorageError(DocumentError):
    """A stored document cannot be read back intact (missing file, or hash mismatch)."""
