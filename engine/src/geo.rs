//! GeoJSON values and the geo comparison of expressions (PROTOCOL-DATA.md §C.3 code 8), after
//! Aerospike's `geojson.cc` and `as_geojson_match`: a Point, or a region (Polygon, MultiPolygon,
//! AeroCircle; a Feature stands for its geometry). `cmp_geo(a, b)` is true when one is a point
//! and the other a region containing it; two points or two regions never match.
//!
//! Geometry is on the unit sphere, as S2 does it: vertices are unit vectors, polygon edges are
//! great-circle arcs, each loop is normalized to enclose at most half the sphere (S2's
//! `S2Loop::Normalize`), a polygon contains a point inside an odd number of its loops (holes are
//! loops inside loops), and an AeroCircle is a cap whose angle is its radius over an earth of
//! 6,371,000 m. Unlike S2 we do not snap a point to the centre of its leaf cell (under 1 cm).

use serde_json::Value;

pub mod cells;

/// Aerospike's earth radius for AeroCircle (the default `geo2dsphere-within-earth-radius-meters`).
pub const EARTH_RADIUS_METERS: f64 = 6_371_000.0;

type Point = [f64; 3];

/// A parsed GeoJSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point.
    Point(Point),
    /// Polygons, each a list of normalized loops (one polygon for a Polygon).
    Polygons(Vec<Vec<Vec<Point>>>),
    /// A spherical cap: centre and angle in radians.
    Circle(Point, f64),
}

/// Parses GeoJSON text as Aerospike accepts it; `None` for anything it refuses.
pub fn parse(text: &[u8]) -> Option<Geometry> {
    let value: Value = serde_json::from_slice(text).ok()?;
    let object = value.as_object()?;
    let geometry = match object.get("type")?.as_str()? {
        "Feature" => object.get("geometry")?.as_object()?,
        _ => object,
    };
    let coordinates = geometry.get("coordinates");
    match geometry.get("type")?.as_str()? {
        "Point" => Some(Geometry::Point(point(coordinates?)?)),
        "Polygon" => Some(Geometry::Polygons(vec![polygon(coordinates?)?])),
        "MultiPolygon" => {
            let polygons = coordinates?.as_array()?.iter().map(polygon).collect::<Option<Vec<_>>>()?;
            Some(Geometry::Polygons(polygons))
        }
        "AeroCircle" => {
            let parts = coordinates?.as_array()?;
            let [centre, radius] = parts.as_slice() else { return None };
            Some(Geometry::Circle(point(centre)?, radius.as_f64()? / EARTH_RADIUS_METERS))
        }
        _ => None,
    }
}

/// A GeoJSON particle value around JSON `text`: no flags, no cells, then the text.
pub fn particle_value(text: &[u8]) -> Vec<u8> {
    let mut value = vec![0, 0, 0];
    value.extend_from_slice(text);
    value
}

/// The JSON text of a GeoJSON particle value (after its flags byte, cell count and cells).
pub fn particle_text(value: &[u8]) -> Option<&[u8]> {
    let cells = usize::from(u16::from_be_bytes([*value.get(1)?, *value.get(2)?]));
    value.get(3 + cells * 8..)
}

/// `[lng, lat]` in degrees as a unit vector (latitude within ±90, longitude within ±180).
fn point(v: &Value) -> Option<Point> {
    let pair = v.as_array()?;
    let (lng, lat) = (pair.first()?.as_f64()?, pair.get(1)?.as_f64()?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return None;
    }
    let (lat, lng) = (lat.to_radians(), lng.to_radians());
    Some([lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()])
}

fn polygon(v: &Value) -> Option<Vec<Vec<Point>>> {
    v.as_array()?.iter().map(ring).collect()
}

/// A closed ring of at least 4 positions (after dropping repeats), first = last, as a loop of
/// its distinct vertices, normalized.
fn ring(v: &Value) -> Option<Vec<Point>> {
    let mut points: Vec<Point> = v.as_array()?.iter().map(point).collect::<Option<_>>()?;
    points.dedup();
    if points.len() < 4 || points.first() != points.last() {
        return None;
    }
    points.pop();
    // Normalize: the loop's left side must be the smaller one (area = 2π - turning angle).
    if turning_angle(&points) < 0.0 {
        points.reverse();
    }
    Some(points)
}

fn dot(a: Point, b: Point) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: Point, b: Point) -> Point {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// The direction at `at` along the great circle toward `to` (not normalized).
fn tangent(at: Point, to: Point) -> Point {
    let d = dot(at, to);
    [to[0] - d * at[0], to[1] - d * at[1], to[2] - d * at[2]]
}

/// The signed angle at `at` from direction `u` to direction `v` (counter-clockwise seen from
/// outside the sphere is positive).
fn signed_angle(at: Point, u: Point, v: Point) -> f64 {
    dot(cross(u, v), at).atan2(dot(u, v))
}

/// The sum of the loop's turns at its vertices (left turns positive).
fn turning_angle(loop_: &[Point]) -> f64 {
    let n = loop_.len();
    (0..n)
        .map(|i| {
            let (a, b, c) = (loop_[(i + n - 1) % n], loop_[i], loop_[(i + 1) % n]);
            let back = tangent(b, a);
            signed_angle(b, [-back[0], -back[1], -back[2]], tangent(b, c))
        })
        .sum()
}

/// True if `p` is on the left side of the (normalized) loop: the loop winds once
/// counter-clockwise around it, seen from `p` (the winding is 0 or -1 turn for a point outside).
fn loop_contains(loop_: &[Point], p: Point) -> bool {
    let n = loop_.len();
    let winding: f64 = (0..n).map(|i| signed_angle(p, tangent(p, loop_[i]), tangent(p, loop_[(i + 1) % n]))).sum();
    winding > std::f64::consts::PI
}

impl Geometry {
    /// True if this region contains `p` (false for a point).
    pub fn contains(&self, p: Point) -> bool {
        match self {
            Geometry::Point(_) => false,
            Geometry::Polygons(polygons) => {
                polygons.iter().any(|loops| loops.iter().filter(|l| loop_contains(l, p)).count() % 2 == 1)
            }
            Geometry::Circle(centre, angle) => *angle >= 0.0 && dot(*centre, p).clamp(-1.0, 1.0).acos() <= *angle,
        }
    }
}

/// Aerospike's geo comparison: a point inside a region, in either order.
pub fn matches(a: &Geometry, b: &Geometry) -> bool {
    match (a, b) {
        (Geometry::Point(p), region) | (region, Geometry::Point(p)) => region.contains(*p),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(text: &str) -> Geometry {
        parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}"))
    }

    fn pt(lng: f64, lat: f64) -> Geometry {
        geo(&format!(r#"{{"type": "Point", "coordinates": [{lng}, {lat}]}}"#))
    }

    #[test]
    fn points_in_polygons_either_orientation() {
        let ccw = geo(
            r#"{"type": "Polygon", "coordinates": [[[-122.5, 37.0], [-121.0, 37.0], [-121.0, 38.0], [-122.5, 38.0], [-122.5, 37.0]]]}"#,
        );
        let cw = geo(
            r#"{"type": "Polygon", "coordinates": [[[-122.5, 37.0], [-122.5, 38.0], [-121.0, 38.0], [-121.0, 37.0], [-122.5, 37.0]]]}"#,
        );
        for region in [&ccw, &cw] {
            assert!(matches(&pt(-122.0, 37.5), region));
            assert!(matches(region, &pt(-122.0, 37.5)));
            assert!(!matches(&pt(-120.0, 37.5), region));
            assert!(!matches(&pt(57.0, -37.5), region), "the antipode is outside");
        }
        assert!(!matches(&ccw, &cw), "two regions never match");
        assert!(!matches(&pt(1.0, 1.0), &pt(1.0, 1.0)), "two points never match");
    }

    #[test]
    fn holes_multipolygons_and_circles() {
        let holed = geo(r#"{"type": "Polygon", "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]}"#);
        assert!(holed.contains(pt_vec(2.0, 2.0)));
        assert!(!holed.contains(pt_vec(5.0, 5.0)));
        let multi = geo(r#"{"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            [[[20, 20], [21, 20], [21, 21], [20, 21], [20, 20]]]]}"#);
        assert!(multi.contains(pt_vec(20.5, 20.5)) && multi.contains(pt_vec(0.5, 0.5)));
        assert!(!multi.contains(pt_vec(10.0, 10.0)));
        // 1 km around a point: about 0.009 degrees of latitude.
        let circle = geo(r#"{"type": "AeroCircle", "coordinates": [[-122.0, 37.0], 1000]}"#);
        assert!(circle.contains(pt_vec(-122.0, 37.0085)));
        assert!(!circle.contains(pt_vec(-122.0, 37.0095)));
        let feature = geo(r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}"#);
        assert!(matches!(feature, Geometry::Point(_)));
    }

    fn pt_vec(lng: f64, lat: f64) -> Point {
        let Geometry::Point(p) = pt(lng, lat) else { unreachable!() };
        p
    }

    #[test]
    fn what_aerospike_refuses() {
        for bad in [
            "not json",
            "[]",
            r#"{"type": "Point", "coordinates": [200, 0]}"#,
            r#"{"type": "Point", "coordinates": [0, 91]}"#,
            r#"{"type": "Point", "coordinates": ["a", 0]}"#,
            r#"{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}"#,
            r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}"#,
            r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}"#,
            r#"{"type": "AeroCircle", "coordinates": [[0, 0]]}"#,
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
    }
}
