"""Our client against a node with access control (issue 20): login with a user and password,
and the user and role calls, from the Python package (shaped like the official client's) and
from the C++ wrapper over the C ABI."""

import shutil
import subprocess

import pytest
import scramjet

from test_client_c import INCLUDE, LIBDIR, RUN_ENV, compile_and_run
from test_security import secure_config
from scramjet_e2e import REPO_ROOT


@pytest.fixture
def secure(start_server):
    return start_server(secure_config())


def ours(srv, user=None, password=None):
    config = {"hosts": [(srv.host, srv.port)]}
    if user is not None:
        config.update(user=user, password=password)
    return scramjet.client(config).connect()


def code_of(call):
    with pytest.raises(scramjet.exception.AerospikeError) as raised:
        call()
    return raised.value.code


def test_python_package_logs_in_and_administers(secure):
    assert code_of(lambda: ours(secure)) == 80
    assert code_of(lambda: ours(secure, "admin", "nope")) == 65
    admin = ours(secure, "admin", "admin")
    admin.admin_create_role("py-role", [{"code": scramjet.PRIV_READ_WRITE, "ns": "test", "set": "py"}],
                            whitelist=["127.0.0.1"])
    admin.admin_create_user("py-user", "pw", ["py-role"])
    with pytest.raises(scramjet.exception.UserExistsError):
        admin.admin_create_user("py-user", "pw", ["py-role"])
    assert admin.admin_query_user_info("py-user")["roles"] == ["py-role"]
    assert set(admin.admin_query_users_info()) == {"admin", "py-user"}
    assert admin.admin_query_role("py-role") == [{"code": scramjet.PRIV_READ_WRITE, "ns": "test", "set": "py"}]
    assert admin.admin_get_role("py-role")["whitelist"] == ["127.0.0.1"]
    assert "read-write" in admin.admin_query_roles()

    user = ours(secure, "py-user", "pw")
    user.put(("test", "py", 1), {"a": 1})
    assert user.get(("test", "py", 1))[2] == {"a": 1}
    with pytest.raises(scramjet.exception.RoleViolation):
        user.put(("test", "elsewhere", 1), {"a": 1})
    admin.admin_grant_privileges("py-role", [{"code": scramjet.PRIV_READ, "ns": "test", "set": ""}])
    assert code_of(lambda: user.get(("test", "elsewhere", 1))) == 2
    admin.admin_revoke_roles("py-user", ["py-role"])
    assert code_of(lambda: user.get(("test", "py", 1))) == 81
    admin.admin_grant_roles("py-user", ["read"])
    assert user.get(("test", "py", 1))[2] == {"a": 1}
    admin.admin_set_whitelist("py-role", [])
    assert admin.admin_get_role("py-role")["whitelist"] == []
    assert code_of(lambda: admin.admin_set_quotas("py-role", 10, 10)) == 74

    user.admin_change_password("py-user", "pw2")
    assert code_of(lambda: ours(secure, "py-user", "pw")) == 65
    ours(secure, "py-user", "pw2").close()
    admin.admin_drop_user("py-user")
    admin.admin_drop_role("py-role")
    assert set(admin.admin_query_users_info()) == {"admin"}
    for c in (admin, user):
        c.close()


def test_a_user_on_a_node_without_access_control(server):
    # Login answers "not enabled": the configured user is not needed and does no harm.
    client = ours(server, "someone", "anything")
    client.put(("test", "nosec", 1), {"a": 1})
    assert client.get(("test", "nosec", 1))[2] == {"a": 1}
    client.close()


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_cpp_wrapper_logs_in_and_administers(secure, tmp_path):
    binary = tmp_path / "security_test"
    out = compile_and_run(
        ["c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pthread", str(REPO_ROOT / "tests/cpp/security_test.cpp"),
         f"-I{INCLUDE}", f"-L{LIBDIR}", "-lscramjet", "-o", str(binary)],
        tmp_path, binary, secure, timeout=240)
    assert "ALL PASSED" in out
