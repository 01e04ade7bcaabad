"""What citizens ask for and how it is decided.

1. `services.catalogue` loads declarative service definitions from each agency module.
2. `services.petitions` records a petition with the citizen's consent and queues its processing
   in the same transaction.
3. A worker fetches the evidence through `services.exchange` from the owning agency's registry
   (over HTTP, logged), decides automatic services, and asks `documents` to issue the certificate.
4. One module per agency (`services.dopa`, …) declares its contract and holds its reference
   registry.
"""
