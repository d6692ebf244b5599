"""The shared keyring: ES256 keys per purpose, rotated, retired and withdrawn; published trust lists and
revocation lists that an independent verifier (plain `cryptography`) can use."""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError

from epiqr.core import keyring
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.models import AuditEvent, SigningKey
from epiqr.core.services import revocation_add, signing_key_retire, signing_key_rotate, signing_key_withdraw

pytestmark = pytest.mark.django_db

PURPOSE = "testdoc"


@pytest.fixture(autouse=True)
def test_purpose():
    keyring.purpose(PURPOSE, label="test documents", max_validity_days=30)


def _verify_with_trust_list(document: dict, kid: bytes, message: bytes, signature: bytes) -> bool:
    """What another system does with the published list: find the key by kid, verify with it."""
    for entry in document["keys"]:
        if entry["kid"] == base64.b64encode(kid).decode():
            cert = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"]))
            assert hashlib.sha256(cert.public_bytes(encoding=_der())).digest()[:8] == kid
            cert.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
    return False


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def test_development_makes_the_first_key_on_first_use_and_signs_with_it(client):
    signer = keyring.signer(PURPOSE)
    assert len(signer.kid) == 8
    signature = signer.private_key.sign(b"hello", ec.ECDSA(hashes.SHA256()))
    document = client.get(f"/trust/{PURPOSE}/keys.json").json()
    assert document["format"] == keyring.TRUST_LIST_FORMAT
    assert _verify_with_trust_list(document, signer.kid, b"hello", signature)
    assert keyring.signer(PURPOSE).kid == signer.kid  # the same key until a rotation


def test_production_without_a_key_says_which_command_to_run(settings):
    settings.PRODUCTION = True
    with pytest.raises(keyring.KeyringError, match="epiqr keys rotate testdoc"):
        keyring.signer(PURPOSE)


def test_the_private_key_is_stored_encrypted_and_useless_without_the_secret(settings):
    signer = keyring.signer(PURPOSE)
    row = SigningKey.objects.get(kid=base64.b64encode(signer.kid).decode())
    assert row.private_key.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(keyring.KeyringError, match="EPIQR_KEYRING_SECRET"):
        keyring.decrypt_private_key(row.private_key, "another-installation-secret")


def test_rotation_retires_the_old_key_which_still_verifies_what_it_signed(client):
    old = keyring.signer(PURPOSE)
    old_signature = old.private_key.sign(b"old code", ec.ECDSA(hashes.SHA256()))
    signing_key_rotate(purpose=PURPOSE, reason="quarterly")
    new = keyring.signer(PURPOSE)
    assert new.kid != old.kid
    document = client.get(f"/trust/{PURPOSE}/keys.json").json()
    statuses = {e["kid"]: e["status"] for e in document["keys"]}
    assert statuses == {keyring.b64(new.kid): "active", keyring.b64(old.kid): "retired"}
    assert _verify_with_trust_list(document, old.kid, b"old code", old_signature)
    assert SigningKey.objects.filter(purpose=PURPOSE, status="active").count() == 1
    assert AuditEvent.objects.filter(action="keyring.rotate").count() == 2


def test_a_retired_key_leaves_the_trust_list_once_its_codes_have_expired():
    old = keyring.signer(PURPOSE)
    signing_key_rotate(purpose=PURPOSE)
    row = SigningKey.objects.get(kid=keyring.b64(old.kid))
    assert row.verify_until - row.retired_at == timedelta(days=30)
    kids = lambda at: {k.kid for k in keyring.published_keys(PURPOSE, at=at)}  # noqa: E731
    assert old.kid in kids(row.retired_at + timedelta(days=29))
    assert old.kid not in kids(row.retired_at + timedelta(days=31))


def test_a_withdrawn_key_verifies_nothing_and_its_private_half_is_erased(client):
    old = keyring.signer(PURPOSE)
    signature = old.private_key.sign(b"code", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(Invalid):
        signing_key_withdraw(kid=keyring.b64(old.kid), reason=" ")
    signing_key_withdraw(kid=keyring.b64(old.kid), reason="laptop stolen")
    assert SigningKey.objects.get(kid=keyring.b64(old.kid)).private_key == ""
    document = client.get(f"/trust/{PURPOSE}/keys.json").json()
    assert not _verify_with_trust_list(document, old.kid, b"code", signature)
    assert document["withdrawn"] == [keyring.b64(old.kid)]
    assert keyring.signer(PURPOSE).kid != old.kid  # development makes a new one


def test_retiring_leaves_no_signer_until_a_rotation_in_production(settings):
    kid = keyring.b64(keyring.signer(PURPOSE).kid)
    signing_key_retire(kid=kid)
    with pytest.raises(Conflict):
        signing_key_retire(kid=kid)
    settings.PRODUCTION = True
    with pytest.raises(keyring.KeyringError):
        keyring.signer(PURPOSE)


def test_the_revocation_list_publishes_digests_never_identifiers(client):
    revocation_add(purpose=PURPOSE, identifier="URN:UVCI:01:VN:ABC123", reason="issued in error")
    revocation_add(purpose=PURPOSE, identifier=" urn:uvci:01:vn:abc123 ", reason="again")  # idempotent
    body = client.get(f"/trust/{PURPOSE}/revocations.json").content.decode()
    assert "ABC123" not in body.upper()
    document = json.loads(body)
    expected = base64.b64encode(hashlib.sha256(b"URN:UVCI:01:VN:ABC123").digest()[:16]).decode()
    assert [e["digest"] for e in document["entries"]] == [expected]
    assert keyring.is_revoked(PURPOSE, "URN:UVCI:01:VN:ABC123")
    assert not keyring.is_revoked(PURPOSE, "URN:UVCI:01:VN:ABC124")


def test_the_lists_download_as_files_and_unknown_purposes_are_404(client):
    keyring.signer(PURPOSE)
    r = client.get(f"/trust/{PURPOSE}/keys.json?download=1")
    assert r.status_code == 200
    assert r["Content-Disposition"] == f'attachment; filename="epiqr-trust-list-{PURPOSE}.json"'
    assert client.get("/trust/nosuch/keys.json").status_code == 404
    assert client.get("/trust/nosuch/revocations.json").status_code == 404


def test_the_keys_command_rotates_lists_exports_and_withdraws(tmp_path, capsys):
    call_command("keys", "rotate", PURPOSE)
    call_command("keys", "rotate", PURPOSE, "--reason", "second")
    capsys.readouterr()
    call_command("keys", "list")
    out = capsys.readouterr().out
    assert out.count("active") == 1 and out.count("retired") == 1
    target = tmp_path / "trust.json"
    call_command("keys", "export", PURPOSE, "--out", str(target))
    document = json.loads(target.read_text())
    assert len(document["keys"]) == 2
    active = next(e["kid"] for e in document["keys"] if e["status"] == "active")
    call_command("keys", "withdraw", active, "--reason", "test")
    call_command("keys", "revoke", PURPOSE, "X-1", "--reason", "error")
    assert keyring.is_revoked(PURPOSE, "x-1")
    with pytest.raises(CommandError, match="unknown signing purpose"):
        call_command("keys", "rotate", "nosuch")
    with pytest.raises(CommandError):
        call_command("keys", "retire", "AAAAAAAAAAA=")
