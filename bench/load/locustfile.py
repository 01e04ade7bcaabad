"""The portal's traffic mix for Locust: who does what, in which proportion.

Every virtual user plays the whole mix (task weights out of 100), so the mix holds at any
number of users, five or five hundred:

- 60 status and document views: a petition's page, the petition and document lists, a
  document's page and its PDF (browser sessions), and a mobile app polling the status of a
  petition it filed (bearer token);
- 20 catalogue: the service list, a search, a service's page, and the same over the API;
- 10 submissions over the API (`POST /api/v1/petitions`, bearer token, an `Idempotency-Key`):
  evidence is then fetched from the simulated registries and a certificate issued by
  `portal worker`, outside the request;
- 5 verification of a document by number and check code (JSON and the HTML page);
- 5 officer decisions: "next petition" (claims one), its page, approve or reject.

Between two actions a user thinks 0.5–1.5 s, so N users ask for roughly N requests a second
while answers are fast. Identities come from the fixtures file written by `runner.py` before
the run (`PORTAL_LOAD_FIXTURES`): nobody signs in inside the measured loop.

Standalone, with Locust's own command line and step load (`StepLoadShape`), against a portal
you run and seed yourself, given a fixtures file of the same shape (`runner.py --keep` leaves
its own in the data dir it names):

    PORTAL_LOAD_FIXTURES=/tmp/portal-load-…/fixtures.json PORTAL_LOAD_STEPS=25,50,100 \
        locust -f bench/load/locustfile.py --headless --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from functools import cache
from typing import Any

from locust import LoadTestShape, between, task
from locust.contrib.fasthttp import FastHttpUser

CSRF_COOKIE = "portal_csrf"
SESSION_COOKIE = "portal_session"
OFFICER_COOKIE = "portal_officer_session"
SEARCHES = ("ทะเบียน", "certificate", "ภาษี", "address", "บ้าน")
# Petitions accepted (202) during the run, for the runner's durability check afterwards.
SUBMITTED: list[str] = []
_user_numbers = itertools.count()


@cache
def fixtures() -> dict[str, Any]:
    with open(os.environ["PORTAL_LOAD_FIXTURES"], encoding="utf-8") as f:
        return dict(json.load(f))


def _cookie(**values: str) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in values.items())}


class PortalVisitor(FastHttpUser):
    """One slot of the mix; see the module docstring for the weights."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        data = fixtures()
        number = next(_user_numbers)
        self.viewer = data["viewers"][number % len(data["viewers"])]
        self.officer = data["officers"][number % len(data["officers"])]
        self.token = data["bearer_tokens"][number % len(data["bearer_tokens"])]
        self.mine: list[str] = []  # petitions this user filed over the API
        self.browser = _cookie(
            **{SESSION_COOKIE: self.viewer["cookie"], CSRF_COOKIE: self.viewer["csrf"]["cookie"]}
        )
        self.back_office = _cookie(
            **{OFFICER_COOKIE: self.officer["cookie"], CSRF_COOKIE: self.officer["csrf"]["cookie"]}
        )
        self.bearer = {"Authorization": f"Bearer {self.token}"}

    # --- 60: status and document views -------------------------------------------------------

    @task(20)
    def petition_page(self) -> None:
        petition = random.choice(self.viewer["petitions"])
        self.client.get(f"/petitions/{petition}", headers=self.browser, name="GET /petitions/{id}")

    @task(8)
    def petition_list(self) -> None:
        self.client.get("/petitions", headers=self.browser, name="GET /petitions")

    @task(8)
    def api_petition_status(self) -> None:
        if not self.mine:
            self.petition_page()
            return
        petition = random.choice(self.mine[-5:])
        self.client.get(
            f"/api/v1/petitions/{petition}", headers=self.bearer, name="GET /api/v1/petitions/{id}"
        )

    @task(8)
    def document_list(self) -> None:
        self.client.get("/documents", headers=self.browser, name="GET /documents")

    @task(8)
    def document_page(self) -> None:
        if not self.viewer["documents"]:
            self.document_list()
            return
        number = random.choice(self.viewer["documents"])
        self.client.get(f"/documents/{number}", headers=self.browser, name="GET /documents/{n}")

    @task(8)
    def document_pdf(self) -> None:
        if not self.viewer["documents"]:
            self.document_list()
            return
        number = random.choice(self.viewer["documents"])
        self.client.get(
            f"/documents/{number}/pdf", headers=self.browser, name="GET /documents/{n}/pdf"
        )

    # --- 20: catalogue -----------------------------------------------------------------------

    @task(6)
    def catalogue(self) -> None:
        self.client.get("/services", name="GET /services")

    @task(3)
    def catalogue_search(self) -> None:
        self.client.get(f"/services?q={random.choice(SEARCHES)}", name="GET /services?q=")

    @task(5)
    def service_page(self) -> None:
        code = random.choice(fixtures()["services"])
        self.client.get(f"/services/{code}", name="GET /services/{code}")

    @task(3)
    def api_catalogue(self) -> None:
        self.client.get("/api/v1/services", name="GET /api/v1/services")

    @task(3)
    def api_service(self) -> None:
        code = random.choice(fixtures()["services"])
        self.client.get(f"/api/v1/services/{code}", name="GET /api/v1/services/{code}")

    # --- 10: submissions ---------------------------------------------------------------------

    @task(10)
    def submit(self) -> None:
        body = random.choice(fixtures()["submission_bodies"])
        headers = self.bearer | {"Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(
            "/api/v1/petitions",
            json=body,
            headers=headers,
            name="POST /api/v1/petitions",
            catch_response=True,
        ) as answer:
            if answer.status_code != 202:
                answer.failure(f"HTTP {answer.status_code}")
                return
            petition = answer.json()["id"]
            self.mine.append(petition)
            SUBMITTED.append(petition)

    # --- 5: verification ---------------------------------------------------------------------

    @task(3)
    def verify_json(self) -> None:
        number, code = random.choice(fixtures()["verifiable"])
        self.client.get(f"/api/v1/verify/{number}?code={code}", name="GET /api/v1/verify/{n}?code=")

    @task(2)
    def verify_page(self) -> None:
        number, code = random.choice(fixtures()["verifiable"])
        self.client.get(f"/verify/{number}?code={code}", name="GET /verify/{n}?code=")

    # --- 5: officer decisions ----------------------------------------------------------------

    @task(5)
    def officer_decision(self) -> None:
        form = {"csrf_token": self.officer["csrf"]["token"]}
        with self.client.post(
            "/backoffice/next",
            data=form,
            headers=self.back_office,
            allow_redirects=False,
            name="POST /backoffice/next",
            catch_response=True,
        ) as answer:
            location = answer.headers.get("location", "")
            if answer.status_code != 303 or not location:
                answer.failure(f"HTTP {answer.status_code}")
                return
            answer.success()
        if "/backoffice/petitions/" not in location:
            return  # nothing waiting in this agency's queue: a quiet moment, not an error
        self.client.get(location, headers=self.back_office, name="GET /backoffice/petitions/{id}")
        if random.random() < 0.7:
            action, fields = "approve", {"note": "ตรวจสอบแล้ว / checked"}
        else:
            action = "reject"
            fields = {"reason": "หลักฐานไม่ตรงกับคำขอ / the evidence does not match the request"}
        with self.client.post(
            f"{location}/{action}",
            data=form | fields,
            headers=self.back_office,
            allow_redirects=False,
            name=f"POST /backoffice/petitions/{{id}}/{action}",
            catch_response=True,
        ) as decided:
            if decided.status_code != 303:
                decided.failure(f"HTTP {decided.status_code}")
            else:
                decided.success()


class StepLoadShape(LoadTestShape):
    """Rising users for the Locust command line: PORTAL_LOAD_STEPS users, each step held
    PORTAL_LOAD_STEP_SECONDS (runner.py drives steps itself, with a measurement per step)."""

    def __init__(self) -> None:
        super().__init__()
        self.steps = [int(n) for n in os.environ.get("PORTAL_LOAD_STEPS", "25,50,100").split(",")]
        self.seconds = float(os.environ.get("PORTAL_LOAD_STEP_SECONDS", "30"))

    def tick(self) -> tuple[int, float] | None:
        step = int(self.get_run_time() // self.seconds)
        if step >= len(self.steps):
            return None
        return self.steps[step], float(self.steps[step])
