"""Config-file handling: good configs apply, bad ones make scramjetd exit non-zero with a
message naming the file, the line and the reason."""

import pytest

from scramjet_e2e import PORT_PLACEHOLDER, info, namespace_config, parse_kv

EXIT_DEADLINE_S = 15


def expect_startup_failure(start_server, config_text, *, line=None, words=(), any_of=()):
    srv = start_server(config_text, wait=False)
    rc = srv.wait_exit(EXIT_DEADLINE_S)
    if rc is None:
        srv.stop()
        pytest.fail(f"scramjetd with a bad config was still running after {EXIT_DEADLINE_S} s\n"
                    f"--- stderr tail ---\n{srv.stderr_tail()}", pytrace=False)
    err = "\n".join(srv.stderr_lines())
    assert rc != 0, f"bad config must exit non-zero, got {rc}\n--- stderr ---\n{err}"
    assert str(srv.config_path) in err, (
        f"the error should name the config file {srv.config_path}\n--- stderr ---\n{err}")
    assert "line" in err.lower(), f"the error should name the line\n--- stderr ---\n{err}"
    if line is not None:
        assert str(line) in err, f"the error should mention line {line}\n--- stderr ---\n{err}"
    for w in words:
        assert w in err, f"the error should mention {w!r}\n--- stderr ---\n{err}"
    if any_of:
        assert any(w in err for w in any_of), (
            f"the error should give the reason, mentioning one of {any_of}\n--- stderr ---\n{err}")
    return err


def test_unknown_item_rejected(start_server):
    cfg = (
        "service {\n"                                   # 1
        "}\n"                                           # 2
        "namespace test {\n"                            # 3
        "    bogus-item 1\n"                            # 4
        "    storage-engine memory {\n"                 # 5
        "        data-size 64M\n"                       # 6
        "    }\n"                                       # 7
        "}\n")                                          # 8
    expect_startup_failure(start_server, cfg, line=4, words=("bogus-item",))


def test_unbalanced_braces_rejected(start_server):
    cfg = "namespace test {\n    default-ttl 0\n    storage-engine memory {\n        data-size 64M\n    }\n"
    expect_startup_failure(start_server, cfg)


def test_bad_value_rejected(start_server):
    cfg = (
        "namespace test {\n"                            # 1
        "    default-ttl 0\n"                           # 2
        "    nsup-period banana\n"                      # 3
        "    storage-engine memory {\n"
        "        data-size 64M\n"
        "    }\n"
        "}\n")
    expect_startup_failure(start_server, cfg, line=3, any_of=("nsup-period", "banana"))


def test_unknown_stanza_rejected(start_server):
    cfg = "bogus-context {\n    x 1\n}\n" + namespace_config()
    expect_startup_failure(start_server, cfg, line=1)


def test_missing_config_file(start_server, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    srv = start_server(extra_args=("--config-file", str(missing)), wait=False)
    rc = srv.wait_exit(EXIT_DEADLINE_S)
    if rc is None:
        srv.stop()
        pytest.fail("scramjetd kept running with a missing --config-file", pytrace=False)
    err = "\n".join(srv.stderr_lines())
    assert rc != 0, f"missing config file must exit non-zero, got {rc}\n{err}"
    assert str(missing) in err, f"the error should name {missing}\n{err}"


def test_config_values_applied(start_server, new_client):
    cfg = f"""
# comment line
service {{
    proto-fd-idle-ms 60000    # trailing comment
    proto-fd-max 500
}}

network {{ service {{ address 127.0.0.1
                    port {PORT_PLACEHOLDER} }} }}

namespace test {{
    default-ttl 3600
    nsup-period 1
    max-record-size 128K
    storage-engine memory {{
        data-size 64M
    }}
}}
"""
    srv = start_server(cfg)
    c = new_client(srv)
    ns = parse_kv(info(c, "get-config:context=namespace;id=test"))
    assert ns.get("default-ttl") == "3600", f"default-ttl: got {ns.get('default-ttl')!r}"
    assert ns.get("nsup-period") == "1", f"nsup-period: got {ns.get('nsup-period')!r}"
    # Aerospike reports sizes in bytes in get-config.
    assert ns.get("max-record-size") == "131072", f"max-record-size: got {ns.get('max-record-size')!r}"
    k = ("test", "cfg", 1)
    c.put(k, {"a": 1})
    ttl = c.get(k)[1]["ttl"]
    assert 3590 <= ttl <= 3600, f"configured default-ttl 3600 should apply, got {ttl}"


def test_sigterm_exits_cleanly(start_server):
    srv = start_server()
    rc = srv.stop()
    assert rc in (0, -15, 143), f"SIGTERM should stop scramjetd cleanly, got exit code {rc}\n" + \
        srv.stderr_tail()


def test_two_namespaces(start_server, new_client):
    cfg = namespace_config() + """
namespace other {
    default-ttl 0
    nsup-period 1
    storage-engine memory {
        data-size 64M
    }
}
"""
    srv = start_server(cfg)
    c = new_client(srv)
    nss = info(c, "namespaces").split(";")
    assert set(nss) >= {"test", "other"}, f"expected both namespaces, got {nss}"
    c.put(("other", "s", 1), {"v": "other"})
    c.put(("test", "s", 1), {"v": "test"})
    assert c.get(("other", "s", 1))[2] == {"v": "other"}
    assert c.get(("test", "s", 1))[2] == {"v": "test"}, "namespaces must not share records"
