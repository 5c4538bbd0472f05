"""UDF module management through the official Python client (PROTOCOL-DATA.md §E.1;
Aerospike's udf_cask.c for the replies): register, list, get, replace and remove modules, the
compile-error reply, the `error=` replies of bad requests, and modules kept across a restart.
Running UDFs is not built yet."""

import base64

import pytest

import aerospike
from aerospike import exception as ex

import aswire
from scramjet_e2e import info

GOOD = "function add(rec, bin, n)\n  rec[bin] = (rec[bin] or 0) + n\n  aerospike:update(rec)\n  return rec[bin]\nend\n"


def raw(server, command):
    text = aswire.info_raw(server.host, server.port, [command])
    return text.split("\t", 1)[1].rstrip("\n")


def listed(client):
    items = [dict(kv.split("=", 1) for kv in item.split(",")) for item in info(client, "udf-list").split(";") if item]
    return {item["filename"]: item for item in items}


def test_register_list_get_replace_remove(server, client, tmp_path):
    module = tmp_path / "counter.lua"
    module.write_text(GOOD)
    client.udf_put(str(module))
    first = listed(client)["counter.lua"]
    assert first["type"] == "LUA" and len(first["hash"]) == 40 and int(first["hash"], 16) >= 0
    assert client.udf_get("counter.lua") == GOOD
    assert raw(server, "udf-get:filename=counter.lua") == f"type=LUA;content={base64.b64encode(GOOD.encode()).decode()};"
    # The hash is SHA-1 of the module's system-metadata record, so it changes with the code.
    module.write_text(GOOD + "\n-- changed\n")
    client.udf_put(str(module))
    assert listed(client)["counter.lua"]["hash"] != first["hash"]
    assert "counter.lua=" in info(client, "smd-show:module=UDF")
    client.udf_remove("counter.lua")
    assert "counter.lua" not in listed(client)
    assert raw(server, "udf-get:filename=counter.lua") == "error=not_found"
    # Removing what is not there is fine.
    assert raw(server, "udf-remove:filename=counter.lua") == "ok"


def test_a_module_that_does_not_compile_is_refused_with_its_line(server, client, tmp_path):
    bad = tmp_path / "broken.lua"
    bad.write_text("function f(rec)\n  return 1 +\nend\n")
    with pytest.raises(ex.AerospikeError) as e:
        client.udf_put(str(bad))
    assert e.value.code == 100
    content = base64.b64encode(bad.read_bytes()).decode()
    answer = raw(server, f"udf-put:filename=broken.lua;content={content};content-len={len(content)};udf-type=LUA;")
    head, message = answer.split(";message=")
    assert head == "error=compile_error;file=broken.lua;line=3"
    assert "unexpected symbol" in base64.b64decode(message).decode()
    assert "broken.lua" not in listed(client)


def test_bad_requests_get_aerospikes_replies(server):
    ok = base64.b64encode(b"return 1").decode()
    cases = {
        f"udf-put:content={ok};content-len={len(ok)}": "error=invalid_filename",
        f"udf-put:filename=nodot;content={ok};content-len={len(ok)}": "error=invalid_filename",
        f"udf-put:filename=.lua;content={ok};content-len={len(ok)}": "error=invalid_filename",
        f"udf-put:filename=a.;content={ok};content-len={len(ok)}": "error=invalid_filename",
        f"udf-put:filename=a.lua;content={ok}": "error=invalid_content_len",
        f"udf-put:filename=a.lua;content={ok};content-len=3": "error=invalid_content_len",
        f"udf-put:filename=a.lua;content={ok};content-len={len(ok)};udf-type=PYTHON": "error=invalid_udf_type",
        f"udf-put:filename=a.lua;content={ok};content-len={len(ok) + 4}": "error=invalid_content",
        "udf-put:filename=a.lua;content=@@@@;content-len=4": "error=invalid_base64_content",
        "udf-get:filename=none.lua": "error=not_found",
        "udf-get": "error=invalid_filename",
        "udf-remove": "error=invalid_filename",
        "udf-clear-cache": "ok",
    }
    for command, expected in cases.items():
        assert raw(server, command) == expected, command
    big = base64.b64encode(b"-" * (1024 * 1024 + 10)).decode()
    assert raw(server, f"udf-put:filename=big.lua;content={big};content-len={len(big)}") == \
        "error=invalid_udf_content_len,>1M"


def test_modules_survive_a_restart(start_server, new_client, tmp_path):
    work = ["--work-directory", str(tmp_path / "work")]
    srv = start_server(extra_args=work)
    c = new_client(srv)
    module = tmp_path / "kept.lua"
    module.write_text(GOOD)
    c.udf_put(str(module))
    hash_before = listed(c)["kept.lua"]["hash"]
    assert srv.stop() == 0, srv.stderr_tail()
    srv = start_server(extra_args=work)
    c = new_client(srv)
    assert listed(c)["kept.lua"]["hash"] == hash_before
    assert c.udf_get("kept.lua") == GOOD
