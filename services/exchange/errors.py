"""Exchange errors: two kinds of failure.

Exception
├── RegistryUnavailableError   transient: timeout, refused, 5xx; the petition waits and retries
└── ContractViolationError     permanent: asked or answered outside the contract; never retried
    ├── SubjectNotFoundError   the registry has no record of this person
    └── ResponseSignatureError the answer's signature or digest does not verify: a security
                               event, the petition goes to review
"""

from __future__ import annotations


class RegistryUnavailableError(Exception):
    """The registry did not answer usefully now; try again later."""


class ContractViolationError(Exception):
    """A request or answer broke the dataset contract; retrying cannot help."""


class SubjectNotFoundError(ContractViolationError):
    """The registry holds no record for the subject."""


class ResponseSignatureError(ContractViolationError):
    """A registry answer is unsigned, signed by another key, stale, or its body was altered."""
