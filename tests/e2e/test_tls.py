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


def ours_over_tls(port, pki, user=None, password=None, client_cert=False):
    import scramjet
    config = {"hosts": [("127.0.0.1", port, TLS_NAME)], "tls": {"enable": True, "cafile": pki["ca"]}}
    if client_cert:
        config["tls"]["certfile"], config["tls"]["keyfile"] = pki["client"]
    if user:
        config.update(user=user, password=password)
    return scramjet.client(config).connect()


def test_our_python_package_over_tls(start_server, pki):
    import scramjet
    port = free_port()
    start_server(tls_config(pki, port, authenticate="any", extra="security {\n}\n"))
    # A client certificate is required: without one the handshake fails.
    with pytest.raises(scramjet.exception.AerospikeError):
        ours_over_tls(port, pki, "admin", "admin")
    admin = ours_over_tls(port, pki, "admin", "admin", client_cert=True)
    admin.admin_create_user("ours-tls", "pw", ["read-write"])
    client = ours_over_tls(port, pki, "ours-tls", "pw", client_cert=True)
    client.put(("test", "ours-tls", 1), {"a": "over tls"})
    assert client.get(("test", "ours-tls", 1))[2] == {"a": "over tls"}
    assert [b["a"] for _, _, b in client.scan("test", "ours-tls").results()] == ["over tls"]
    with pytest.raises(scramjet.exception.AerospikeError):
        import scramjet as s
        s.client({"hosts": [("127.0.0.1", port, "wrong-name")],
                  "tls": {"enable": True, "cafile": pki["ca"], "certfile": pki["client"][0],
                          "keyfile": pki["client"][1]}, "user": "ours-tls", "password": "pw"}).connect()
    for c in (admin, client):
        c.close()


def test_scramjet_perf_over_tls_with_a_user(start_server, pki, tmp_path):
    import json
    from test_perf import PERF
    port = free_port()
    srv = start_server(tls_config(pki, port, extra="security {\n}\n"))
    admin = tls_client(port, pki, "admin", "admin")
    admin.admin_create_user("perf-user", "pw", ["read-write"])
    out = tmp_path / "report.json"
    base = [str(PERF), "-h", "127.0.0.1", "-p", str(port), "-q", "--json", str(out), "--tls-name", TLS_NAME,
            "--tls-cafile", pki["ca"], "-U", "perf-user", "-P", "pw", "-k", "500", "-z", "8"]
    for workload in (["-w", "I"], ["-w", "RU,50", "--ops", "3000"]):
        done = subprocess.run(base + workload, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(out.read_text())
        assert report["errors"] == 0 and report["ops"] in (500, 3000), report
    # Over TLS the records are where a plain client sees them.
    plain = aerospike.client({"hosts": [(srv.host, srv.port)], "user": "perf-user", "password": "pw"}).connect()
    assert plain.get(("test", "testset", 499))[2]["testbin"] is not None
    # A wrong password is refused before any load.
    done = subprocess.run(base[:-8] + ["-U", "perf-user", "-P", "wrong", "-w", "I"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "65" in done.stdout + done.stderr, done.stdout + done.stderr
    for c in (admin, plain):
        c.close()


def test_pki_login_with_the_client_certificate(start_server, pki):
    port = free_port()
    start_server(tls_config(pki, port, authenticate="any", extra="security {\n}\n"))
    admin = tls_client(port, pki, "admin", "admin", client_cert=True)
    # The client certificate's common name is the user.
    admin.admin_create_pki_user("test-client", ["read-write"])
    config = {"hosts": [("127.0.0.1", port, TLS_NAME)],
              "tls": {"enable": True, "cafile": pki["ca"], "certfile": pki["client"][0], "keyfile": pki["client"][1]},
              "policies": {"auth_mode": aerospike.AUTH_PKI, "total_timeout": 5000}}
    client = aerospike.client(config).connect()
    client.put(("test", "pki", 1), {"who": "certificate"})
    assert client.get(("test", "pki", 1))[2] == {"who": "certificate"}
    assert admin.admin_query_user_info("test-client")["conns_in_use"] >= 1
    # A PKI-only user cannot log in with a password, not even "nopassword".
    with pytest.raises(aerospike.exception.AerospikeError) as raised:
        tls_client(port, pki, "test-client", "nopassword", client_cert=True)
    assert raised.value.code == 65
    # A certificate naming no user logs nobody in.
    admin.admin_drop_user("test-client")
    with pytest.raises(aerospike.exception.AerospikeError):
        aerospike.client(config).connect()
    for c in (admin, client):
        c.close()


def test_our_python_package_pki_login(start_server, pki):
    import scramjet
    port = free_port()
    start_server(tls_config(pki, port, authenticate="any", extra="security {\n}\n"))
    admin = ours_over_tls(port, pki, "admin", "admin", client_cert=True)
    admin.admin_create_user("test-client", "unused", ["read-write"])
    config = {"hosts": [("127.0.0.1", port, TLS_NAME)],
              "tls": {"enable": True, "cafile": pki["ca"], "certfile": pki["client"][0], "keyfile": pki["client"][1]},
              "policies": {"auth_mode": scramjet.AUTH_PKI}}
    client = scramjet.client(config).connect()
    client.put(("test", "ours-pki", 1), {"a": 1})
    assert client.get(("test", "ours-pki", 1))[2] == {"a": 1}
    assert admin.admin_query_user_info("test-client")["conns_in_use"] >= 1
    # Without a certificate there is nothing to log in with.
    no_cert = dict(config, tls={"enable": True, "cafile": pki["ca"]})
    with pytest.raises(scramjet.exception.AerospikeError):
        scramjet.client(no_cert).connect()
    for c in (admin, client):
        c.close()
