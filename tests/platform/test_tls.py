"""``omnimeet serve --tls``: the local CA in the data directory, the server certificate, HTTPS listeners."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import stat
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from omnimeet.platform import tls
from omnimeet.platform.tls import ensure_certificates, files_in, server_hosts
from tests.platform.test_cli import _free_port, _serving

HOSTS = ["localhost", "127.0.0.1", "::1"]


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _names(cert: x509.Certificate) -> set[str]:
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {
        *alt.get_values_for_type(x509.DNSName),
        *(str(ip) for ip in alt.get_values_for_type(x509.IPAddress)),
    }


def _client_context(ca: Path) -> ssl.SSLContext:
    """What a strict client does (Python 3.13's default flags included)."""
    context = ssl.create_default_context(cafile=str(ca))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


def test_server_hosts() -> None:
    assert server_hosts("127.0.0.1") == HOSTS
    assert server_hosts("0.0.0.0") == HOSTS
    assert server_hosts("::") == HOSTS
    assert server_hosts("0:0::1") == HOSTS
    assert server_hosts("LOCALHOST") == HOSTS
    assert server_hosts("omnimeet.internal") == [*HOSTS, "omnimeet.internal"]
    assert server_hosts("10.1.2.3") == [*HOSTS, "10.1.2.3"]


def test_a_new_ca_and_server_certificate(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path, server_hosts("omnimeet.internal"))
    assert files == files_in(tmp_path)
    assert sorted(p.name for p in (tmp_path / "tls").iterdir()) == [
        "ca-key.pem",
        "ca.pem",
        "server-key.pem",
        "server.pem",
    ]
    for key in (files.ca_key, files.key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.ca.stat().st_mode) == 0o644

    ca = _cert(files.ca)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert (constraints.critical, constraints.value.ca) == (True, True)
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.key_cert_sign, usage.crl_sign) == (True, True)
    assert ca.subject == ca.issuer

    server = _cert(files.cert)
    server.verify_directly_issued_by(ca)
    assert server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert _names(server) == {"localhost", "127.0.0.1", "::1", "omnimeet.internal"}
    assert server.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=390)
    # The pair loads as a server context, and a strict client trusts it through the CA alone.
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(files.cert, files.key)
    _client_context(files.ca)


def test_certificates_are_reused(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path, HOSTS)
    before = {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()}
    ensure_certificates(tmp_path, list(reversed(HOSTS)))
    assert {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()} == before
    assert files.ca.exists()


def test_a_new_host_gets_a_new_server_certificate_from_the_same_ca(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path, HOSTS)
    ca_before, key_before, cert_before = (
        files.ca.read_bytes(),
        files.ca_key.read_bytes(),
        files.cert.read_bytes(),
    )
    ensure_certificates(tmp_path, [*HOSTS, "10.0.0.7"])
    assert (files.ca.read_bytes(), files.ca_key.read_bytes()) == (ca_before, key_before)
    assert files.cert.read_bytes() != cert_before
    server = _cert(files.cert)
    server.verify_directly_issued_by(_cert(files.ca))
    assert _names(server) == {*HOSTS, "10.0.0.7"}
    assert ipaddress.ip_address("10.0.0.7") in server.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.IPAddress)


def test_an_expiring_server_certificate_is_issued_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tls, "SERVER_DAYS", 20)  # inside the 30 days before the end
    files = ensure_certificates(tmp_path, HOSTS)
    short = files.cert.read_bytes()
    monkeypatch.setattr(tls, "SERVER_DAYS", 397)
    ensure_certificates(tmp_path, HOSTS)
    assert files.cert.read_bytes() != short
    assert _cert(files.cert).not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=390)


def test_damaged_files_are_replaced(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path, HOSTS)
    files.key.write_text("not a key", encoding="utf-8")
    ensure_certificates(tmp_path, HOSTS)
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(files.cert, files.key)
    old_ca = files.ca.read_bytes()
    files.ca_key.write_text("", encoding="utf-8")
    ensure_certificates(tmp_path, HOSTS)
    assert files.ca.read_bytes() != old_ca  # a CA whose key is gone cannot sign: a new one
    _cert(files.cert).verify_directly_issued_by(_cert(files.ca))


# --- a real server ---------------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIMEET_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_environment")
def test_serve_with_tls(tmp_path: Path) -> None:
    ca_path = tmp_path / ".omnimeet" / "tls" / "ca.pem"
    own_port = _free_port()
    # The health check of the helper fails until the CA exists and verifies; the CA is made before binding.
    with _serving(
        tmp_path, "--tls", "--vendor-port", f"telemost={own_port}", scheme="https", verify=False
    ) as (base, out):
        assert base.startswith("https://")
        banner = out.read_text(encoding="utf-8")
        assert f"  trust this CA: {ca_path}" in banner.splitlines()
        assert f"SSL_CERT_FILE={ca_path}" in banner
        assert f"REQUESTS_CA_BUNDLE={ca_path}" in banner
        trusted = _client_context(ca_path)
        for url in (
            f"{base}/_omnimeet/health",
            f"https://localhost:{base.rsplit(':', 1)[1]}/_omnimeet/health",
        ):
            response = httpx.get(url, verify=trusted, timeout=10)
            assert (response.status_code, response.json()) == (200, {"status": "ok"})
        own = httpx.post(
            f"https://127.0.0.1:{own_port}/v1/telemost-api/conferences",
            json={},
            headers={"Authorization": "OAuth tls-token"},
            verify=trusted,
            timeout=10,
        )
        assert own.status_code == 201, own.text
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{base}/_omnimeet/health", timeout=10)  # the system's CAs do not know ours
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{base.replace('https', 'http', 1)}/_omnimeet/health", timeout=10)  # TLS only
        first_ca = ca_path.read_bytes()

    with _serving(tmp_path, "--tls", scheme="https", verify=_client_context(ca_path)) as (base, _):
        assert ca_path.read_bytes() == first_ca  # the CA a client already trusts is kept
        assert (
            httpx.get(f"{base}/_omnimeet/health", verify=_client_context(ca_path), timeout=10).status_code
            == 200
        )
