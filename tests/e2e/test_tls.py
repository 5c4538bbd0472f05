"""TLS on the service port (issue 20): certificates made by the test with the openssl command,
the official Python client connecting with its `tls` settings and verifying the `tls-name`,
a plain connection to the TLS port refused, client certificates when the node asks for them,
and access control over TLS."""

import socket
import subprocess

import aerospike
import pytest

import aswire
from scramjet_e2e import ScramjetServer, free_port, namespace_config

TLS_NAME = "scramjet-test"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def issue(cwd, name, ca="ca", usage="serverAuth"):
    """A key and a certificate for `name` (its CN and DNS name) signed by the CA."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}-key.pem", "-out", f"{name}.csr",
            "-subj", f"/CN={name}", cwd=cwd)
    (cwd / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\n"
                                     f"keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}-key.pem",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=cwd)
    return str(cwd / f"{name}.pem"), str(cwd / f"{name}-key.pem")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for TLS_NAME and a client certificate."""
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=scramjet test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    server = issue(d, TLS_NAME)
    client = issue(d, "test-client", usage="clientAuth")
    return {"ca": str(d / "ca.pem"), "server": server, "client": client}


def tls_config(pki, tls_port, authenticate="false", extra=""):
    cert, key = pki["server"]
    text = namespace_config() + extra
    stanza = (f"    tls {TLS_NAME} {{\n        cert-file {cert}\n        key-file {key}\n"
              f"        ca-file {pki['ca']}\n    }}\n")
    service = (f"        tls-port {tls_port}\n        tls-name {TLS_NAME}\n"
               f"        tls-authenticate-client {authenticate}\n")
    return text.replace("network {\n", "network {\n" + stanza, 1).replace(
        "        address 127.0.0.1\n", "        address 127.0.0.1\n" + service, 1)


def tls_client(port, pki, user=None, password=None, client_cert=False):
    config = {"hosts": [("127.0.0.1", port, TLS_NAME)], "tls": {"enable": True, "cafile": pki["ca"]},
              "policies": {"total_timeout": 5000}}
    if client_cert:
        config["tls"]["certfile"], config["tls"]["keyfile"] = pki["client"]
    if user:
        config["user"], config["password"] = user, password
    return aerospike.client(config).connect()


def test_the_official_client_over_tls(start_server, pki):
    port = free_port()
    srv = start_server(tls_config(pki, port))
    client = tls_client(port, pki)
    client.put(("test", "tls", 1), {"a": "secret"})
    assert client.get(("test", "tls", 1))[2] == {"a": "secret"}
    assert sorted(b["a"] for _, _, b in client.scan("test", "tls").results()) == ["secret"]
    client.close()
    # The plain port still serves, and sees the same records.
    plain = aerospike.client({"hosts": [(srv.host, srv.port)]}).connect()
    assert plain.get(("test", "tls", 1))[2] == {"a": "secret"}
    plain.close()
    # A client that expects another name refuses the certificate.
    wrong = {"hosts": [("127.0.0.1", port, "other-name")], "tls": {"enable": True, "cafile": pki["ca"]},
             "policies": {"total_timeout": 3000}}
    with pytest.raises(aerospike.exception.AerospikeError):
        aerospike.client(wrong).connect()


def test_a_plain_connection_to_the_tls_port_is_refused(start_server, pki):
    port = free_port()
    start_server(tls_config(pki, port))
    with aswire.connect("127.0.0.1", port) as s:
        s.sendall(aswire.proto(1, b"node\n"))
        s.settimeout(5)
        received = b""
        try:
            while chunk := s.recv(4096):
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    # No info answer: at most a TLS alert record (content type 21), then the close.
    assert not received.startswith(b"\x02\x01"), received
    assert received == b"" or received[0] == 21, received


def test_client_certificates_when_the_node_asks(start_server, pki):
    port = free_port()
    start_server(tls_config(pki, port, authenticate="any"))
    with pytest.raises(aerospike.exception.AerospikeError):
        tls_client(port, pki)
    client = tls_client(port, pki, client_cert=True)
    client.put(("test", "mtls", 1), {"a": 1})
    assert client.get(("test", "mtls", 1))[2] == {"a": 1}
    client.close()


def test_login_over_tls(start_server, pki):
    port = free_port()
    start_server(tls_config(pki, port, extra="security {\n}\n"))
    admin = tls_client(port, pki, "admin", "admin")
    admin.admin_create_user("tls-user", "pw", ["read-write"])
    user = tls_client(port, pki, "tls-user", "pw")
    user.put(("test", "tls", 2), {"b": 2})
    assert user.get(("test", "tls", 2))[2] == {"b": 2}
    with pytest.raises(aerospike.exception.AerospikeError) as raised:
        tls_client(port, pki, "tls-user", "wrong")
    assert raised.value.code == 65
    for c in (admin, user):
        c.close()


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("        tls-name scramjet-test\n", ""), "tls-port without a tls-name"),
    (lambda t: t.replace("tls-name scramjet-test", "tls-name nothing"), "names no 'tls nothing"),
    (lambda t: t.replace("-key.pem", "-missing.pem", 1), "cannot read a private key"),
])
def test_tls_config_errors_stop_the_node_with_a_reason(pki, change, message):
    srv = ScramjetServer(config_text=change(tls_config(pki, free_port()))).spawn()
    try:
        assert srv.wait_exit(20) not in (None, 0)
        assert message in "\n".join(srv.stderr_lines()), srv.stderr_tail()
    finally:
        srv.stop()
