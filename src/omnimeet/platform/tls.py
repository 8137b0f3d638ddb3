"""``omnimeet serve --tls``: a local certificate authority in the data directory, and a server certificate
it issues for the names the server answers to.

Files in ``<data_dir>/tls/``: ``ca.pem`` (what clients trust), ``ca-key.pem``, ``server.pem``,
``server-key.pem`` (keys readable by the owner only). The CA is made once and kept, so a client trusts it
once; the server certificate is issued again when the host names change or it nears its end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397
"""The longest lifetime clients (browsers, Apple's TLS stack) accept for a server certificate."""
RENEW_BEFORE = dt.timedelta(days=30)
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARDS = {"", "0.0.0.0", "::"}


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    ca_key: Path
    cert: Path
    key: Path


def files_in(data_dir: Path) -> TlsFiles:
    directory = data_dir / "tls"
    return TlsFiles(
        directory / "ca.pem", directory / "ca-key.pem", directory / "server.pem", directory / "server-key.pem"
    )


def server_hosts(host: str | None) -> list[str]:
    """The names the certificate covers: the loopback names, and ``host`` unless it is a wildcard."""
    hosts = list(DEFAULT_HOSTS)
    if host and host not in _WILDCARDS and _canonical(host) not in {_canonical(h) for h in hosts}:
        hosts.append(host)
    return hosts


def ensure_certificates(data_dir: Path, hosts: Iterable[str]) -> TlsFiles:
    """The CA (made on first use, then reused) and a server certificate for ``hosts`` signed by it (reused
    while it covers exactly these hosts and has more than 30 days left)."""
    files = files_in(data_dir)
    files.ca.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    wanted = sorted({_canonical(h) for h in hosts})
    ca = _load_ca(files, now)
    if ca is None:
        ca = _new_ca(files, now)
    ca_cert, ca_key = ca
    if not _server_cert_fits(files, ca_cert, wanted, now):
        _new_server_cert(files, ca_cert, ca_key, wanted, now)
    return files


# --- the authority ---------------------------------------------------------------------------------------


def _load_ca(files: TlsFiles, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.public_key() != key.public_key():
        return None
    if cert.not_valid_after_utc - RENEW_BEFORE < now:
        return None
    return cert, key


def _new_ca(files: TlsFiles, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "omnimeet"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"omnimeet local CA {now:%Y-%m-%d %H:%M:%S}"),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(files.ca_key, key)
    _write(files.ca, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


# --- the server certificate ------------------------------------------------------------------------------


def _server_cert_fits(
    files: TlsFiles, ca_cert: x509.Certificate, wanted: list[str], now: dt.datetime
) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    have = sorted(
        [str(n) for n in names.get_values_for_type(x509.DNSName)]
        + [_canonical(str(ip)) for ip in names.get_values_for_type(x509.IPAddress)]
    )
    return (
        cert.public_key() == key.public_key()
        and have == wanted
        and cert.not_valid_after_utc - RENEW_BEFORE > now
    )


def _new_server_cert(
    files: TlsFiles,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    hosts: list[str],
    now: dt.datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else "omnimeet")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.key, key)
    _write(files.cert, cert.public_bytes(serialization.Encoding.PEM))


# --- files -----------------------------------------------------------------------------------------------


def _canonical(host: str) -> str:
    """An IP address in its one spelling (``::0001`` -> ``::1``); a name in lower case."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host.lower()


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(path, pem, mode=0o600)


def _write(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Writes through a temporary file and a rename, so a reader never sees half a file; the file is
    created with ``mode`` (a key is never readable by others, not even for a moment)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(temporary, mode)  # whatever the umask
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
