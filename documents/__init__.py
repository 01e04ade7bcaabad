"""Certificates anyone can check.

1. `documents.render` turns a certificate template into a PDF (WeasyPrint, Sarabun, Thai first).
2. `documents.numbers` gives each document its number; a QR code points at the verify page.
3. `documents.pki` creates the portal root CA and agency seals on first run; `documents.sign`
   signs PAdES with pyHanko.
4. `documents.service` stores the signed PDF and its hash; `documents.verify` checks a number or
   an uploaded PDF (signature, chain, hash against our record).
5. `documents.wallet` answers which documents a citizen may list and download.

Key types, CA layout and what later issues add: docs/decisions/0002-document-signing.md.
"""
