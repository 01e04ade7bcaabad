"""Signed exchange messages: the portal signs, the registry checks, the answer is verified."""

from __future__ import annotations

import os
import stat

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

from services import dopa
from services.agencies import create_agency_registry_app
from services.exchange.errors import ResponseSignatureError
from services.exchange.models import DataAccess, ExchangeMessage
from services.exchange.signing import (
    PublicKeyFiles,
    key_id_for,
    load_or_create_private_key,
    load_public_key,
    public_key_path,
    write_public_key,
)
from tests.fixtures.exchange import REGISTRY_KEY, asgi_handler, portal_keys, signed_by
from tests.services.exchange.test_client import request_for
from tests.services.petitions.factories import (
    create_citizen,
    population_answer,
    registry_answering,
)


class TestRoundTrip:
    def test_a_signed_request_gets_a_signed_answer_that_verifies(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        registry = create_agency_registry_app(
            dopa,
            people=people,
            api_key="k",
            portal_public_keys=portal_keys(),
            signing_key=REGISTRY_KEY,
        )
        exchange = registry_answering(asgi_handler(registry), signed=False)
        request = request_for(citizen)
        request = type(request)(**{**request.__dict__, "acting_user": f"citizen:{citizen.id}"})

        fields = exchange.fetch(db, request)

        assert fields["given_name_th"] == people[0].given_name_th
        (received,) = registry.state.received
        assert received.acting_user == f"citizen:{citizen.id}"
        assert received.status_code == 200
        message = db.exec(select(ExchangeMessage)).one()
        assert message.response_signature == "verified"

    def test_the_request_carries_a_signature_over_who_asks_and_why(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        sent: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return population_answer(people[0])(request)

        registry_answering(handler).fetch(db, request_for(citizen))
        signature_input = sent[0].headers["Signature-Input"]
        for component in ("@method", "@authority", "@path", "content-digest", "x-purpose"):
            assert f'"{component}"' in signature_input
        assert 'alg="ed25519"' in signature_input
        assert sent[0].headers["Content-Digest"].startswith("sha-256=:")


class TestAnswerRejected:
    def test_a_tampered_body_does_not_match_its_digest(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        signed = signed_by(REGISTRY_KEY, population_answer(people[0]))

        def tamper(request: httpx.Request) -> httpx.Response:
            answer = signed(request)
            forged = answer.content.replace(b'"moved_in_on"', b'"moved_in_on" ', 1)
            return httpx.Response(answer.status_code, headers=answer.headers, content=forged)

        exchange = registry_answering(tamper, signed=False)
        with pytest.raises(ResponseSignatureError, match="Content-Digest"):
            exchange.fetch(db, request_for(citizen))
        assert db.exec(select(ExchangeMessage)).one().response_signature == "invalid"
        assert db.exec(select(DataAccess)).all() == []  # nothing was read from it

    def test_an_answer_signed_by_another_key(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        impostor = signed_by(Ed25519PrivateKey.generate(), population_answer(people[0]))
        with pytest.raises(ResponseSignatureError):
            registry_answering(impostor, signed=False).fetch(db, request_for(citizen))

    def test_an_unsigned_answer(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        exchange = registry_answering(population_answer(people[0]), signed=False)
        with pytest.raises(ResponseSignatureError):
            exchange.fetch(db, request_for(citizen))

    def test_an_answer_replayed_for_another_request(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        answers: list[httpx.Response] = []
        signed = signed_by(REGISTRY_KEY, population_answer(people[0]))

        def replay(request: httpx.Request) -> httpx.Response:
            if not answers:
                answers.append(signed(request))
            first = answers[0]
            headers = {**first.headers, "x-request-id": request.headers["X-Request-Id"]}
            return httpx.Response(200, headers=headers, content=first.content)

        exchange = registry_answering(replay, signed=False)
        exchange.fetch(db, request_for(citizen))
        with pytest.raises(ResponseSignatureError):
            exchange.fetch(db, request_for(citizen))

    def test_an_unsigned_not_found_cannot_reject_a_petition(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        exchange = registry_answering(
            lambda request: httpx.Response(404, json={"error": "not_found"}), signed=False
        )
        with pytest.raises(ResponseSignatureError):
            exchange.fetch(db, request_for(citizen))


class TestKeys:
    def test_a_key_is_created_once_private_and_its_public_half_beside_it(self, tmp_path):
        path = tmp_path / "exchange" / "portal-ed25519.pem"
        key = load_or_create_private_key(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        again = load_or_create_private_key(path)
        assert key_id_for(again.public_key()) == key_id_for(key.public_key())
        published = load_public_key(public_key_path(path))
        assert key_id_for(published) == key_id_for(key.public_key())
        assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]

    def test_the_key_id_is_the_rfc_7638_thumbprint(self):
        # RFC 8037 appendix A.3: the thumbprint of the example Ed25519 key.
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        raw = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        key = Ed25519PublicKey.from_public_bytes(raw)
        assert key_id_for(key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

    def test_public_key_files_are_read_when_asked_and_reread_when_replaced(self, tmp_path):
        path = tmp_path / "dopa.pub.pem"
        keys = PublicKeyFiles({"dopa": path})
        assert keys.get("dopa") is None  # not written yet: no key, not an error
        first = Ed25519PrivateKey.generate().public_key()
        write_public_key(first, path)
        assert key_id_for(keys["dopa"]) == key_id_for(first)
        second = Ed25519PrivateKey.generate().public_key()
        write_public_key(second, path)
        os.utime(path, (1, 1))  # a distinct mtime even on coarse file-system clocks
        assert key_id_for(keys["dopa"]) == key_id_for(second)
