"""Where clauses of queries, as the official client's `aerospike.predicates` makes them (the
same tuples, so either module's predicates work with `scramjet` queries):
`(op, datatype, bin, value[, end][, index_type])`, op 0 equality and 1 range or geo, datatype
`INDEX_NUMERIC` 4, `INDEX_STRING` 0, `INDEX_BLOB` 3, `INDEX_GEO2DSPHERE` 2."""

import json

INDEX_STRING = 0
INDEX_NUMERIC = 4
INDEX_BLOB = 3
INDEX_GEO2DSPHERE = 2
OP_EQUALS = 0
OP_RANGE = 1


def _datatype(value):
    if isinstance(value, bool) or not isinstance(value, (int, str, bytes, bytearray)):
        raise TypeError(f"a query value is an int, a str or bytes, not {type(value).__name__}")
    if isinstance(value, int):
        return INDEX_NUMERIC
    return INDEX_STRING if isinstance(value, str) else INDEX_BLOB


def equals(bin, val):  # noqa: A002 - the official client's parameter name
    """Records whose `bin` equals `val` (an int, str or bytes)."""
    return (OP_EQUALS, _datatype(val), bin, val)


def between(bin, min, max):  # noqa: A002
    """Records whose integer `bin` is in [min, max]."""
    return (OP_RANGE, INDEX_NUMERIC, bin, min, max)


def contains(bin, index_type, val):  # noqa: A002
    """Records whose list, map keys or map values (`index_type`: 1, 2, 3) hold `val`."""
    return (OP_EQUALS, _datatype(val), bin, val, None, index_type)


def range(bin, index_type, min, max):  # noqa: A002
    """Records whose list, map keys or map values hold an integer in [min, max]."""
    return (OP_RANGE, INDEX_NUMERIC, bin, min, max, index_type)


def _geo(bin, shape, index_type):
    text = shape if isinstance(shape, str) else json.dumps(shape)
    return (OP_RANGE, INDEX_GEO2DSPHERE, bin, text, None, index_type or 0)


def geo_within_geojson_region(bin, shape, index_type=None):  # noqa: A002
    """Records whose GeoJSON point `bin` lies inside the GeoJSON region `shape`."""
    return _geo(bin, shape, index_type)


def geo_within_radius(bin, long, lat, radius_meters, index_type=None):  # noqa: A002
    """Records whose GeoJSON point `bin` lies within `radius_meters` of (long, lat)."""
    return _geo(bin, {"type": "AeroCircle", "coordinates": [[long, lat], radius_meters]}, index_type)


def geo_contains_geojson_point(bin, point, index_type=None):  # noqa: A002
    """Records whose GeoJSON region `bin` contains the GeoJSON point `point`."""
    return _geo(bin, point, index_type)


def geo_contains_point(bin, long, lat, index_type=None):  # noqa: A002
    """Records whose GeoJSON region `bin` contains the point (long, lat)."""
    return _geo(bin, {"type": "Point", "coordinates": [long, lat]}, index_type)
