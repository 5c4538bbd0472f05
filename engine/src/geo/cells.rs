//! The S2 cells of GeoJSON values, for geo2dsphere secondary indexes (the `s2` crate: cell ids,
//! caps, latitude-longitude rectangles and the region coverer). A point is its leaf cell; a
//! region is the cells of a covering. Coverings are conservative (they may hold cells the
//! region only touches), so a query checks every candidate with [`super::matches`].
//!
//! A polygon is covered through the rectangle bounding its loops' edges, widened to a pole the
//! loop contains: a superset, which the recheck makes exact.

use s2::cap::Cap;
use s2::cellid::CellID;
use s2::point::Point as S2Point;
use s2::r3::vector::Vector;
use s2::rect::Rect;
use s2::rect_bounder::RectBounder;
use s2::region::RegionCoverer;
use s2::s1::angle::{Angle, Rad};

use super::Geometry;

/// The deepest cell level.
pub const MAX_LEVEL: u8 = 30;

/// How a region is covered: cell levels, their step, and the most cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cover {
    /// The coarsest level used.
    pub min_level: u8,
    /// The finest level used.
    pub max_level: u8,
    /// Only levels `min_level + k * level_mod`.
    pub level_mod: u8,
    /// The most cells wanted.
    pub max_cells: usize,
}

/// How a stored region is covered (Aerospike's fixed options for values: levels 1 to 30, at
/// most 12 cells).
pub const STORED: Cover = Cover { min_level: 1, max_level: MAX_LEVEL, level_mod: 1, max_cells: 12 };

fn s2_point(p: [f64; 3]) -> S2Point {
    S2Point(Vector { x: p[0], y: p[1], z: p[2] })
}

/// The cell ids a region is covered by (a point: its leaf cell).
pub fn covering(shape: &Geometry, cover: Cover) -> Vec<u64> {
    let coverer = RegionCoverer {
        min_level: cover.min_level,
        max_level: cover.max_level,
        level_mod: cover.level_mod,
        max_cells: cover.max_cells,
    };
    match shape {
        Geometry::Point(p) => vec![CellID::from(s2_point(*p)).0],
        Geometry::Circle(centre, angle) => {
            let cap = Cap::from_center_angle(&s2_point(*centre), &Angle::from(Rad(angle.max(0.0))));
            coverer.covering(&cap).0.into_iter().map(|c| c.0).collect()
        }
        Geometry::Polygons(polygons) => {
            let mut bound: Option<Rect> = None;
            for loops in polygons {
                for loop_ in loops {
                    let rect = loop_bound(loop_);
                    bound = Some(match bound {
                        Some(b) => b.union(&rect),
                        None => rect,
                    });
                }
            }
            match bound {
                Some(rect) => coverer.covering(&rect).0.into_iter().map(|c| c.0).collect(),
                None => Vec::new(),
            }
        }
    }
}

/// A rectangle holding a loop and its inside.
fn loop_bound(loop_: &[[f64; 3]]) -> Rect {
    let mut bounder = RectBounder::new();
    for p in loop_.iter().chain(loop_.first()) {
        bounder.add_point(&s2_point(*p));
    }
    let mut rect = bounder.get_bound();
    let single = Geometry::Polygons(vec![vec![loop_.to_vec()]]);
    for (pole, lat) in
        [([0.0, 0.0, 1.0], std::f64::consts::FRAC_PI_2), ([0.0, 0.0, -1.0], -std::f64::consts::FRAC_PI_2)]
    {
        if single.contains(pole) {
            rect.lat.lo = rect.lat.lo.min(lat);
            rect.lat.hi = rect.lat.hi.max(lat);
            rect = rect.polar_closure();
        }
    }
    rect
}

/// The cells a query for regions containing point `p` looks up: its leaf cell and every
/// ancestor down to level 1 (a region's covering cell contains the point exactly when it is one
/// of them).
pub fn point_and_ancestors(p: [f64; 3]) -> Vec<u64> {
    let leaf = CellID::from(s2_point(p));
    (1..=u64::from(MAX_LEVEL)).map(|level| leaf.parent(level).0).collect()
}

/// The leaf-cell ids under cell `cell`, inclusive: `(first, last)`.
pub fn leaf_range(cell: u64) -> (u64, u64) {
    let id = CellID(cell);
    (id.range_min().0, id.range_max().0)
}

/// The index key of a cell id: the id with its top bit flipped, so that keys order as the
/// (unsigned) ids do.
pub fn key(cell: u64) -> i64 {
    (cell ^ (1 << 63)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(text: &str) -> Geometry {
        super::super::parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}"))
    }

    /// A point's leaf cell falls in a cell of the covering of any region holding it, and in
    /// the covering of its ancestors.
    #[test]
    fn coverings_hold_their_points() {
        let square = geo(
            r#"{"type": "Polygon", "coordinates": [[[-122.5, 37.0], [-121.0, 37.0], [-121.0, 38.0], [-122.5, 38.0], [-122.5, 37.0]]]}"#,
        );
        let circle = geo(r#"{"type": "AeroCircle", "coordinates": [[-122.0, 37.5], 50000]}"#);
        let polar = geo(r#"{"type": "Polygon", "coordinates": [[[0, 80], [120, 80], [-120, 80], [0, 80]]]}"#);
        for (region, inside) in [(&square, [-121.7, 37.4]), (&circle, [-122.1, 37.6]), (&polar, [45.0, 89.0])] {
            let Geometry::Point(p) =
                geo(&format!(r#"{{"type": "Point", "coordinates": [{}, {}]}}"#, inside[0], inside[1]))
            else {
                unreachable!()
            };
            assert!(region.contains(p));
            let leaf = covering(&Geometry::Point(p), STORED)[0];
            let cells = covering(region, STORED);
            assert!(!cells.is_empty() && cells.len() <= 12, "{cells:?}");
            assert!(cells.iter().any(|&c| {
                let (lo, hi) = leaf_range(c);
                (lo..=hi).contains(&leaf)
            }));
            let ancestors = point_and_ancestors(p);
            assert!(cells.iter().any(|c| ancestors.contains(c)));
        }
    }

    #[test]
    fn keys_order_as_cell_ids() {
        let ids = [0u64, 1, 1 << 62, (1 << 63) - 1, 1 << 63, u64::MAX];
        for pair in ids.windows(2) {
            assert!(key(pair[0]) < key(pair[1]));
        }
    }
}
