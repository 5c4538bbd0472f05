"""Access control (issue 20): a `security { }` stanza turns it on. Driven with the official
Python client as Aerospike Enterprise users drive it (`user`/`password` in the config, the
`admin_*` calls), and with raw admin messages for what the client never sends."""

import struct

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers.operations import operations

import aswire
from scramjet_e2e import namespace_config, poll, free_port, cluster_node_config

TYPE_INFO, TYPE_ADMIN = 1, 2
# bcrypt("admin") with the clients' fixed salt: what a client sends for password "admin".
ADMIN_HASH = b"$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa"
LOGIN, AUTHENTICATE, CREATE_USER, GRANT_ROLES, QUERY_USERS = 20, 0, 1, 5, 9
USER, CREDENTIAL, SESSION_TOKEN, SESSION_TTL, ROLES = 0, 3, 5, 6, 10

SECURITY = """
security {
    session-ttl 600
    log {
        report-authentication true
        report-violation true
        report-user-admin true
    }
}
"""


def secure_config(extra_ns=""):
    return namespace_config(extra_ns=extra_ns) + SECURITY


def connect(srv, user=None, password=None):
    config = {"hosts": [(srv.host, srv.port)], "policies": {"total_timeout": 5000}}
    if user is not None:
        config["user"], config["password"] = user, password
    return aerospike.client(config).connect()


def admin_field(fid, data):
    return struct.pack(">IB", len(data) + 1, fid) + data


def admin_message(command, fields, n_fields=None):
    n = len(fields) if n_fields is None else n_fields
    body = bytes([0, 0, command, n]) + b"\x00" * 12 + b"".join(admin_field(f, d) for f, d in fields)
    return aswire.proto(TYPE_ADMIN, body)


def admin_call(sock, message):
    """Sends an admin message; returns (result code, {field id: data}) of the first block."""
    sock.sendall(message)
    _, mtype, body = aswire.read_proto(sock)
    assert mtype == TYPE_ADMIN, mtype
    result, n_fields, at, fields = body[1], body[3], 16, {}
    for _ in range(n_fields):
        size, fid = struct.unpack(">IB", body[at:at + 5])
        fields[fid] = body[at + 5:at + 4 + size]
        at += 4 + size
    return result, fields


def raw_info(sock, command):
    sock.sendall(aswire.proto(TYPE_INFO, (command + "\n").encode()))
    _, mtype, body = aswire.read_proto(sock)
    assert mtype == TYPE_INFO
    return body.decode()


def admin_socket(srv):
    """A raw connection logged in as admin."""
    s = aswire.connect(srv.host, srv.port)
    result, _ = admin_call(s, admin_message(LOGIN, [(USER, b"admin"), (CREDENTIAL, ADMIN_HASH)]))
    assert result == 0, result
    return s


def code_of(call):
    with pytest.raises(ex.AerospikeError) as raised:
        call()
    return raised.value.code


@pytest.fixture
def secure(start_server):
    return start_server(secure_config())


def test_login_good_and_bad(secure):
    # No credentials: every command needs authentication (80).
    assert code_of(lambda: connect(secure)) == 80
    assert code_of(lambda: connect(secure, "admin", "wrong")) == 65
    assert code_of(lambda: connect(secure, "nobody", "admin")) == 60
    admin = connect(secure, "admin", "admin")
    # The first user administers users only: data needs a data privilege.
    assert code_of(lambda: admin.put(("test", "s", 1), {"a": 1})) == 81
    assert admin.admin_query_user_info("admin")["roles"] == ["user-admin"]
    admin.close()


def test_unauthenticated_streams_end_with_last(secure):
    # A scan (no digest) before login: one answer, flagged LAST, so the client stops reading.
    scan = aswire.as_msg(info1=aswire.INFO1_READ, fields=[aswire.field(aswire.FIELD_NAMESPACE, b"test")])
    with aswire.connect(secure.host, secure.port) as s:
        _, mtype, body = aswire.request(s, aswire.proto(3, scan))
    header = aswire.parse_as_msg(body)
    assert header["result_code"] == 80 and header["info3"] & 1, header


def test_login_answers_a_token_that_authenticates_other_connections(secure):
    with aswire.connect(secure.host, secure.port) as s:
        # Before authenticating, info answers one error line.
        assert raw_info(s, "namespaces") == "ERROR:80:not authenticated\n"
        result, fields = admin_call(s, admin_message(LOGIN, [(USER, b"admin"), (CREDENTIAL, ADMIN_HASH)]))
        assert result == 0
        token = fields[SESSION_TOKEN]
        assert struct.unpack(">I", fields[SESSION_TTL])[0] == 600
        assert raw_info(s, "namespaces") == "namespaces\ttest\n"
    with aswire.connect(secure.host, secure.port) as s:
        assert admin_call(s, admin_message(AUTHENTICATE, [(USER, b"admin"), (SESSION_TOKEN, token)]))[0] == 0
        assert raw_info(s, "namespaces") == "namespaces\ttest\n"
    with aswire.connect(secure.host, secure.port) as s:
        forged = token[:-1] + bytes([token[-1] ^ 1])
        assert admin_call(s, admin_message(AUTHENTICATE, [(USER, b"admin"), (SESSION_TOKEN, forged)]))[0] == 65
        # The token is bound to its user.
        assert admin_call(s, admin_message(AUTHENTICATE, [(USER, b"bob"), (SESSION_TOKEN, token)]))[0] == 60
        assert raw_info(s, "namespaces") == "ERROR:80:not authenticated\n"


def test_user_admin_calls_and_their_errors(secure):
    admin = connect(secure, "admin", "admin")
    admin.admin_create_user("bob", "pw-1", ["read-write"])
    assert code_of(lambda: admin.admin_create_user("bob", "x", ["read"])) == 61
    assert code_of(lambda: admin.admin_create_user("carl", "x", ["no-such-role"])) == 70
    assert code_of(lambda: admin.admin_drop_user("nobody")) == 60
    assert code_of(lambda: admin.admin_grant_roles("nobody", ["read"])) == 60
    assert code_of(lambda: admin.admin_query_user_info("nobody")) == 60
    users = admin.admin_query_users_info()
    assert set(users) == {"admin", "bob"} and users["bob"]["roles"] == ["read-write"]

    bob = connect(secure, "bob", "pw-1")
    bob.put(("test", "s", 1), {"a": 1})
    assert bob.get(("test", "s", 1))[2] == {"a": 1}
    # Connections are counted per user while they are open.
    assert admin.admin_query_user_info("bob")["conns_in_use"] >= 1
    extra = connect(secure, "bob", "pw-1")
    extra.get(("test", "s", 1))
    counted = admin.admin_query_user_info("bob")["conns_in_use"]
    extra.close()
    poll(lambda: admin.admin_query_user_info("bob")["conns_in_use"] < counted, 10, desc="closed connections uncounted")
    # Not user-admin: may not manage users, but may see itself.
    assert code_of(lambda: bob.admin_create_user("eve", "x", ["read"])) == 81
    assert bob.admin_query_user_info("bob")["roles"] == ["read-write"]

    admin.admin_grant_roles("bob", ["udf-admin", "read"])
    assert admin.admin_query_user_info("bob")["roles"] == ["read", "read-write", "udf-admin"]
    admin.admin_revoke_roles("bob", ["read-write", "udf-admin"])
    assert admin.admin_query_user_info("bob")["roles"] == ["read"]
    # A connection already open sees the change at its next command.
    assert code_of(lambda: bob.put(("test", "s", 2), {"a": 2})) == 81
    assert bob.get(("test", "s", 1))[2] == {"a": 1}

    admin.admin_set_password("bob", "pw-2")
    assert code_of(lambda: connect(secure, "bob", "pw-1")) == 65
    bob2 = connect(secure, "bob", "pw-2")
    bob2.admin_change_password("bob", "pw-3")
    assert code_of(lambda: connect(secure, "bob", "pw-2")) == 65
    connect(secure, "bob", "pw-3").close()

    admin.admin_drop_user("bob")
    assert code_of(lambda: connect(secure, "bob", "pw-3")) == 60
    # The dropped user's open connection is no longer authenticated.
    assert code_of(lambda: bob2.get(("test", "s", 1))) == 80
    for c in (admin, bob, bob2):
        c.close()


def test_roles_and_their_errors(secure):
    admin = connect(secure, "admin", "admin")
    read_s = {"code": aerospike.PRIV_READ, "ns": "test", "set": "s"}
    admin.admin_create_role("reader", [read_s])
    assert code_of(lambda: admin.admin_create_role("reader", [read_s])) == 71
    # A predefined role cannot be made again, nor dropped or changed.
    assert code_of(lambda: admin.admin_create_role("read", [read_s])) == 71
    assert code_of(lambda: admin.admin_drop_role("read")) == 70
    assert code_of(lambda: admin.admin_drop_role("nothing")) == 70
    # A set scope needs a namespace.
    set_only = {"code": aerospike.PRIV_READ, "ns": "", "set": "s"}
    assert code_of(lambda: admin.admin_create_role("bad", [set_only])) == 72
    assert code_of(lambda: admin.admin_create_role("bad", [read_s], whitelist=["not-an-address"])) == 73
    # Quotas need enable-quotas.
    assert code_of(lambda: admin.admin_create_role("bad", [read_s], read_quota=10)) == 74
    assert code_of(lambda: admin.admin_set_quotas("reader", read_quota=10)) == 74

    admin.admin_grant_privileges("reader", [{"code": aerospike.PRIV_WRITE, "ns": "test", "set": "w"}])
    privileges = admin.admin_query_role("reader")
    assert sorted((p["code"], p["ns"], p["set"]) for p in privileges) == [
        (aerospike.PRIV_READ, "test", "s"), (aerospike.PRIV_WRITE, "test", "w")]
    admin.admin_revoke_privileges("reader", [{"code": aerospike.PRIV_WRITE, "ns": "test", "set": "w"}])
    assert admin.admin_query_role("reader") == [read_s]
    roles = admin.admin_query_roles()
    assert "reader" in roles and "read-write" in roles and "sys-admin" in roles
    admin.admin_set_whitelist("reader", ["10.0.0.0/8", "127.0.0.1"])
    assert admin.admin_get_role("reader")["whitelist"] == ["10.0.0.0/8", "127.0.0.1"]

    admin.admin_create_user("ro", "pw", ["reader"])
    admin.admin_drop_role("reader")
    # Dropping a role takes it from its users.
    assert admin.admin_query_user_info("ro")["roles"] == []
    admin.close()


def test_scoped_privileges(secure):
    admin = connect(secure, "admin", "admin")
    admin.admin_create_role("s-reader", [{"code": aerospike.PRIV_READ, "ns": "test", "set": "s"}])
    admin.admin_create_role("w-writer", [{"code": aerospike.PRIV_READ_WRITE, "ns": "test", "set": "w"}])
    admin.admin_create_role("ns-writer", [{"code": aerospike.PRIV_READ_WRITE, "ns": "test", "set": ""}])
    admin.admin_create_user("writer", "pw", ["ns-writer"])
    admin.admin_create_user("scoped", "pw", ["s-reader", "w-writer"])
    writer = connect(secure, "writer", "pw")
    for set_name in ("s", "w", "other"):
        writer.put(("test", set_name, 1), {"v": set_name})
    # A record UDF needs read-write-udf.
    assert code_of(lambda: writer.apply(("test", "s", 1), "m", "f", [])) == 81

    scoped = connect(secure, "scoped", "pw")
    assert scoped.get(("test", "s", 1))[2] == {"v": "s"}
    assert code_of(lambda: scoped.put(("test", "s", 1), {"v": 0})) == 81
    assert code_of(lambda: scoped.remove(("test", "s", 1))) == 81
    scoped.put(("test", "w", 1), {"v": "w2"})
    assert code_of(lambda: scoped.get(("test", "other", 1))) == 81
    # Batch rows are checked one by one.
    rows = scoped.batch_read([("test", "s", 1), ("test", "other", 1), ("test", "w", 1)]).batch_records
    assert [r.result for r in rows] == [0, 81, 0]
    assert [rows[0].record[2], rows[2].record[2]] == [{"v": "s"}, {"v": "w2"}]
    # A scan needs read on its set; a background write query needs write.
    assert sorted(b["v"] for _, _, b in scoped.scan("test", "s").results()) == ["s"]
    assert code_of(lambda: list(scoped.scan("test", "other").results())) == 81
    # Truncation and set-config need their privileges.
    assert code_of(lambda: scoped.truncate("test", "s", 0)) == 81
    assert code_of(lambda: scoped.info_all("set-config:context=service;proto-fd-max=1000")) == 81
    # Truncation on a set does not reach the whole namespace.
    admin.admin_create_role("s-truncator", [{"code": aerospike.PRIV_TRUNCATE, "ns": "test", "set": "s"}])
    admin.admin_grant_roles("scoped", ["s-truncator"])
    assert code_of(lambda: scoped.info_all("truncate-namespace:namespace=test;set=s")) == 81
    assert code_of(lambda: scoped.info_all("truncate:namespace=test;set=w")) == 81
    scoped.truncate("test", "s", 0)
    query = scoped.query("test", "s")
    query.add_ops([operations.write("v", 0)])
    assert code_of(lambda: query.execute_background()) == 81
    for c in (admin, writer, scoped):
        c.close()


def test_allowlist_refuses_other_addresses(secure):
    admin = connect(secure, "admin", "admin")
    read = [{"code": aerospike.PRIV_READ, "ns": "", "set": ""}]
    admin.admin_create_role("far", read, whitelist=["10.1.0.0/16"])
    admin.admin_create_role("near", read, whitelist=["127.0.0.0/8"])
    admin.admin_create_user("faraway", "pw", ["far"])
    admin.admin_create_user("nearby", "pw", ["near"])
    assert code_of(lambda: connect(secure, "faraway", "pw")) == 82
    nearby = connect(secure, "nearby", "pw")
    # An allowlist narrowed under an open connection ends it at its next command.
    admin.admin_set_whitelist("near", ["10.2.0.0/16"])
    assert code_of(lambda: nearby.exists(("test", "s", 1))) in (80, 82)
    nearby.close()
    assert code_of(lambda: connect(secure, "nearby", "pw")) == 82
    admin.admin_set_whitelist("far", [])
    connect(secure, "faraway", "pw").close()
    admin.close()


def test_hostile_admin_messages_grant_nothing(secure):
    with admin_socket(secure) as s:
        good = [(USER, b"admin"), (ROLES, bytes([1, 4]) + b"read")]
        # Truncated: a field count past the fields, a role count past the names.
        assert admin_call(s, admin_message(GRANT_ROLES, good, n_fields=3))[0] in (54, 55)
        assert admin_call(s, admin_message(GRANT_ROLES, [(USER, b"admin"), (ROLES, bytes([200, 4]) + b"read")]))[0] == 55
        # A huge field length announced inside a small message.
        body = bytes([0, 0, GRANT_ROLES, 1]) + b"\x00" * 12 + struct.pack(">IB", 0xFFFFFFFF, USER) + b"admin"
        assert admin_call(s, aswire.proto(TYPE_ADMIN, body))[0] == 55
        # An unknown command, a missing field, a role that does not exist.
        assert admin_call(s, admin_message(99, []))[0] == 54
        assert admin_call(s, admin_message(GRANT_ROLES, [(USER, b"admin")]))[0] == 55
        assert admin_call(s, admin_message(GRANT_ROLES, [(USER, b"admin"), (ROLES, bytes([1, 3]) + b"god")]))[0] == 70
        # A privilege code that does not exist.
        assert admin_call(s, admin_message(10, [(11, b"bad"), (12, bytes([1, 99]))]))[0] == 72
        # A password that is not a bcrypt hash.
        assert admin_call(s, admin_message(CREATE_USER, [(USER, b"x"), (1, b"plain"), (ROLES, b"\x00")]))[0] == 62
        # Nothing was granted, and the connection still serves.
        result, _ = admin_call(s, admin_message(QUERY_USERS, [(USER, b"admin")]))
        assert result == 0
        assert raw_info(s, "namespaces") == "namespaces\ttest\n"
    admin = connect(secure, "admin", "admin")
    assert admin.admin_query_user_info("admin")["roles"] == ["user-admin"]
    assert set(admin.admin_query_users_info()) == {"admin"}
    admin.close()


def test_users_survive_a_restart_and_a_dropped_admin_stays_dropped(start_server, tmp_path):
    work = str(tmp_path / "work")
    args = ["--work-directory", work]
    srv = start_server(secure_config(), extra_args=args)
    admin = connect(srv, "admin", "admin")
    admin.admin_create_user("keeper", "pw", ["user-admin", "read-write"])
    admin.close()
    keeper = connect(srv, "keeper", "pw")
    keeper.admin_drop_user("admin")
    keeper.close()
    srv.stop()
    srv = start_server(secure_config(), extra_args=args)
    assert code_of(lambda: connect(srv, "admin", "admin")) == 60
    keeper = connect(srv, "keeper", "pw")
    keeper.put(("test", "s", 1), {"a": 1})
    assert set(keeper.admin_query_users_info()) == {"keeper"}
    keeper.close()


def test_without_the_stanza_login_is_not_needed(server):
    with aswire.connect(server.host, server.port) as s:
        assert admin_call(s, admin_message(LOGIN, [(USER, b"admin"), (CREDENTIAL, ADMIN_HASH)]))[0] == 52
        assert admin_call(s, admin_message(CREATE_USER, [(USER, b"x")]))[0] == 51
    client = connect(server, "anyone", "anything")
    client.put(("test", "sec", 1), {"a": 1})
    client.close()


# ---------------------------------------------------------------------------------------
# A cluster: users and roles are system metadata, the same on every node.
# ---------------------------------------------------------------------------------------

def secure_cluster_configs(n, base_id):
    seed = free_port()
    return [cluster_node_config(base_id + i, seed if i == 0 else free_port(), seed, replication_factor=2)
            + SECURITY for i in range(n)]


def in_cluster_of(srv, n):
    """The node is in a cluster of `n` with its partition map installed (authenticated info)."""
    try:
        with admin_socket(srv) as s:
            stats = raw_info(s, "statistics").split("\t", 1)[1]
            generation = raw_info(s, "partition-generation").split("\t", 1)[1].strip()
    except (OSError, EOFError, TimeoutError):
        return False
    size = int(dict(kv.split("=", 1) for kv in stats.strip().split(";") if "=" in kv)["cluster_size"])
    return size == n and generation != "-1"


def knows_user(srv, user):
    with admin_socket(srv) as s:
        result, _ = admin_call(s, admin_message(QUERY_USERS, [(USER, user.encode())]))
    return result == 0


def test_users_are_the_same_on_every_node(start_server):
    texts = secure_cluster_configs(3, 0x71)
    servers = [start_server(t) for t in texts]
    poll(lambda: all(in_cluster_of(s, 3) for s in servers), 30, desc="3 nodes form one cluster")
    admin = connect(servers[0], "admin", "admin")
    poll(lambda: len(admin.get_nodes()) == 3, 10, desc="the client finds every node")
    admin.admin_create_user("everywhere", "pw", ["read-write"])
    # Committed on every node when the call answers: each node logs the user in.
    for s in servers:
        assert knows_user(s, "everywhere"), s
        connect(s, "everywhere", "pw").close()
    # A node that restarts empty gets the users back from the others.
    servers[2].kill()
    poll(lambda: all(in_cluster_of(s, 2) for s in servers[:2]), 30, desc="the survivors agree")
    admin.admin_create_user("later", "pw", ["read"])
    back = start_server(texts[2])
    poll(lambda: in_cluster_of(back, 3), 30, desc="the node rejoins")
    poll(lambda: knows_user(back, "later") and knows_user(back, "everywhere"), 20,
         desc="the restarted node has the users")
    connect(back, "later", "pw").close()
    admin.close()


def test_a_quota_refuses_the_excess(start_server):
    srv = start_server(namespace_config() + SECURITY.replace("session-ttl 600", "session-ttl 600\n    enable-quotas true"))
    admin = connect(srv, "admin", "admin")
    read_write = [{"code": aerospike.PRIV_READ_WRITE, "ns": "", "set": ""}]
    admin.admin_create_role("metered", read_write, read_quota=5)
    admin.admin_create_user("metered-user", "pw", ["metered"])
    user = connect(srv, "metered-user", "pw")
    # No write quota: writes are not limited.
    for i in range(50):
        user.put(("test", "q", i), {"v": i})
    codes = []
    for i in range(100):
        try:
            user.get(("test", "q", i % 50))
            codes.append(0)
        except ex.AerospikeError as e:
            codes.append(e.code)
    # 5 reads a second pass; 100 reads in a few seconds at most cannot all pass.
    assert set(codes) == {0, 83}, set(codes)
    assert codes.count(0) <= 5 * 5, codes.count(0)
    info = admin.admin_query_user_info("metered-user")
    assert info["read_info"][0] == 5 and info["write_info"][0] == 0
    # Batch rows count too.
    rows = user.batch_read([("test", "q", i) for i in range(20)]).batch_records
    assert 83 in [r.result for r in rows]
    for c in (admin, user):
        c.close()


def test_an_expired_token_gets_66_and_a_new_login_works(start_server):
    srv = start_server(secure_config().replace("session-ttl 600", "session-ttl 1"))
    login = admin_message(LOGIN, [(USER, b"admin"), (CREDENTIAL, ADMIN_HASH)])
    with aswire.connect(srv.host, srv.port) as s:
        result, fields = admin_call(s, login)
        assert result == 0 and struct.unpack(">I", fields[SESSION_TTL])[0] == 1
        token = fields[SESSION_TOKEN]

    def authenticate(t):
        with aswire.connect(srv.host, srv.port) as s:
            return admin_call(s, admin_message(AUTHENTICATE, [(USER, b"admin"), (SESSION_TOKEN, t)]))[0]

    # Good until its second ends, then refused with 66 (the clients' cue to log in again).
    poll(lambda: authenticate(token) == 66, 10, desc="the token expires")
    with aswire.connect(srv.host, srv.port) as s:
        result, fields = admin_call(s, login)
    assert result == 0 and authenticate(fields[SESSION_TOKEN]) in (0, 66)
    # The official client keeps working across expiries: it logs in again when refused.
    client = connect(srv, "admin", "admin")
    poll(lambda: authenticate(token) == 66, 10, desc="still expired")
    assert client.admin_query_user_info("admin")["roles"] == ["user-admin"]
    client.close()


def test_security_settings_change_at_run_time(secure):
    admin = connect(secure, "admin", "admin")
    admin.admin_create_user("operator", "pw", ["sys-admin"])
    operator = connect(secure, "operator", "pw")

    def config():
        text = list(operator.info_all("get-config:context=security").values())[0][1]
        return dict(kv.split("=", 1) for kv in text.strip().split(";"))

    assert config()["session-ttl"] == "600" and config()["enable-quotas"] == "false"
    # Admin (user-admin only) may not change settings; sys-admin may.
    assert code_of(lambda: admin.info_all("set-config:context=security;session-ttl=300")) == 81
    operator.info_all("set-config:context=security;session-ttl=5m;enable-quotas=true;log.report-sys-admin=true")
    assert (config()["session-ttl"], config()["enable-quotas"], config()["log.report-sys-admin"]) == ("300", "true", "true")
    with aswire.connect(secure.host, secure.port) as s:
        result, fields = admin_call(s, admin_message(LOGIN, [(USER, b"admin"), (CREDENTIAL, ADMIN_HASH)]))
    assert result == 0 and struct.unpack(">I", fields[SESSION_TTL])[0] == 300
    # Quotas may now be set.
    admin.admin_create_role("limited", [{"code": aerospike.PRIV_READ, "ns": "", "set": ""}], read_quota=100)
    for bad in ("session-ttl=0", "enable-quotas=maybe", "no-such-item=1"):
        assert code_of(lambda: operator.info_all(f"set-config:context=security;{bad}")) == 4, bad
    assert config()["session-ttl"] == "300"
    for c in (admin, operator):
        c.close()
