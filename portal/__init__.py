"""The web of the citizen service portal.

1. `portal.app.create_app()` builds the FastAPI app: citizen pages, the JSON API under `/api/v1`,
   public verification, health.
2. Route handlers parse, authorise, call one domain function (`identity`, `services`,
   `documents`) and render; `portal.deps` gives them the database session and the signed-in citizen.
3. `portal.cli` is the `portal` command: demo, serve, migrate, seed, worker.
"""
