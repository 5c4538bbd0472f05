"""Small differences from Aerospike in commands that already worked (issue 19), checked with
the official Python client; expected answers from Aerospike CE 8.1.2's source (cited per test)."""

import pytest

import aerospike
import aswire
from aerospike import exception as ex


def test_select_of_no_bins_is_a_parameter_error(client, key):
    """read.c read_local: a read without GET_ALL that names no bin answers AS_ERR_PARAMETER."""
    k = key()
    client.put(k, {"a": 1})
    with pytest.raises(ex.AerospikeError) as info:
        client.select(k, [])
    assert info.value.code == 4


def test_bin_names_in_reads(server, client, key):
    """read.c: as_bin_name_check refuses names of 16 bytes or more (21); an empty name names no
    bin, so nothing comes back for it."""
    k = key()
    client.put(k, {"a": 1})
    digest = bytes(aerospike.calc_digest(k[0], k[1], k[2]))
    for name, code in (("x" * 16, 21), ("", 0)):
        body = aswire.as_msg(info1=aswire.INFO1_READ, fields=aswire.key_fields(set_name=k[1], digest=digest),
                             ops=[aswire.op(aswire.OP_READ, name)])
        result = aswire.msg_result(server.host, server.port, body)
        assert result["result_code"] == code, (name, result)
        if code == 0:
            assert result["n_ops"] == 0, "an empty name reads no bin"


def test_an_empty_info_request_gets_the_summary(server):
    """thr_info.c info_summary: with no command the node answers every command marked for the
    summary, in its order, starting with features, node, compatibility-id, edition."""
    text = aswire.info_raw(server.host, server.port, [])
    names = [line.split("\t", 1)[0] for line in text.strip("\n").split("\n")]
    assert names == ["features", "node", "compatibility-id", "edition", "build_ee_sha", "build_sha", "build_arch",
                     "build_time", "build_os", "build", "version", "statistics", "services-alumni", "services",
                     "partition-generation"], names
    values = dict(line.split("\t", 1) for line in text.strip("\n").split("\n"))
    assert values["build"] == aswire.info_raw(server.host, server.port, ["build"]).split("\t")[1].strip()
    assert values["node"] and "cluster_size=" in values["statistics"]
