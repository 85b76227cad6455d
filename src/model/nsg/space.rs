//! Exact set arithmetic on the flow space: sets of inclusive integer ranges per
//! dimension, and blocks (products of one range set per dimension).

/// A set of integers as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    pub(crate) fn empty() -> Ranges {
        Ranges(Vec::new())
    }

    /// `first..=last`; empty when `first > last`.
    pub(crate) fn span(first: u128, last: u128) -> Ranges {
        if first > last {
            return Ranges::empty();
        }
        Ranges(vec![(first, last)])
    }

    pub(crate) fn all() -> Ranges {
        Ranges::span(0, u128::MAX)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts and merges overlapping or touching ranges.
    fn normalized(mut parts: Vec<(u128, u128)>) -> Ranges {
        parts.retain(|(a, b)| a <= b);
        parts.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(parts.len());
        for (a, b) in parts {
            match out.last_mut() {
                // `last + 1 >= a`, written so that `last == u128::MAX` cannot overflow.
                Some(last) if a == 0 || last.1 >= a - 1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Ranges(out)
    }

    pub(crate) fn union(&self, other: &Ranges) -> Ranges {
        Ranges::normalized(self.0.iter().chain(&other.0).copied().collect())
    }

    pub(crate) fn intersect(&self, other: &Ranges) -> Ranges {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a1, b1)), Some(&(a2, b2))) = (self.0.get(i), other.0.get(j)) {
            let (lo, hi) = (a1.max(a2), b1.min(b2));
            if lo <= hi {
                out.push((lo, hi));
            }
            // Drop whichever range ends first; the other may still meet the next one.
            if b1 < b2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    fn complement(&self) -> Ranges {
        let mut out = Vec::new();
        let mut next: Option<u128> = Some(0);
        for &(a, b) in &self.0 {
            if let Some(start) = next {
                if start < a {
                    out.push((start, a - 1));
                }
            }
            next = b.checked_add(1);
        }
        if let Some(start) = next {
            out.push((start, u128::MAX));
        }
        Ranges(out)
    }

    pub(crate) fn minus(&self, other: &Ranges) -> Ranges {
        self.intersect(&other.complement())
    }

    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, u128)> + '_ {
        self.0.iter().copied()
    }
}

/// The dimensions of a packet: protocol class, source address, destination
/// address, source port, destination port.
pub(crate) const DIMS: usize = 5;

/// A product of one range set per dimension: every combination is in the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block(pub(crate) [Ranges; DIMS]);

impl Block {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().any(Ranges::is_empty)
    }

    pub(crate) fn intersect(&self, other: &Block) -> Option<Block> {
        let mut out = self.clone();
        for (d, r) in out.0.iter_mut().enumerate() {
            *r = r.intersect(&other.0[d]);
            if r.is_empty() {
                return None;
            }
        }
        Some(out)
    }

    /// `self \ other` as disjoint blocks: for each dimension in turn, the part
    /// outside `other` there and inside it in every earlier dimension.
    pub(crate) fn minus(&self, other: &Block) -> Vec<Block> {
        let mut out = Vec::new();
        let mut core = self.clone();
        for d in 0..DIMS {
            let outside = core.0[d].minus(&other.0[d]);
            if !outside.is_empty() {
                let mut piece = core.clone();
                piece.0[d] = outside;
                out.push(piece);
            }
            core.0[d] = core.0[d].intersect(&other.0[d]);
            if core.0[d].is_empty() {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(parts: &[(u128, u128)]) -> Ranges {
        Ranges::normalized(parts.to_vec())
    }

    #[test]
    fn merges_touching_and_overlapping_ranges() {
        assert_eq!(r(&[(5, 9), (0, 4), (7, 12)]), Ranges::span(0, 12));
        assert_eq!(r(&[(0, 1), (3, 4)]).iter().count(), 2);
        assert_eq!(r(&[(9, 3)]), Ranges::empty());
        assert_eq!(r(&[(0, u128::MAX), (u128::MAX, u128::MAX)]), Ranges::all());
    }

    #[test]
    fn set_operations_are_exact_at_the_edges() {
        let a = r(&[(0, 10), (20, 30)]);
        let b = r(&[(5, 25)]);
        assert_eq!(a.intersect(&b), r(&[(5, 10), (20, 25)]));
        assert_eq!(a.minus(&b), r(&[(0, 4), (26, 30)]));
        assert_eq!(a.union(&b), Ranges::span(0, 30));
        assert_eq!(Ranges::all().minus(&Ranges::all()), Ranges::empty());
        assert_eq!(
            Ranges::all().minus(&Ranges::span(0, 0)),
            Ranges::span(1, u128::MAX)
        );
        assert_eq!(
            Ranges::all().minus(&Ranges::span(u128::MAX, u128::MAX)),
            Ranges::span(0, u128::MAX - 1)
        );
    }

    #[test]
    fn block_difference_covers_exactly_the_rest() {
        let whole = Block(std::array::from_fn(|_| Ranges::span(0, 3)));
        let hole = Block(std::array::from_fn(|_| Ranges::span(1, 2)));
        let rest = whole.minus(&hole);
        let count = |b: &Block| -> u128 {
            b.0.iter()
                .map(|r| r.iter().map(|(a, z)| z - a + 1).sum::<u128>())
                .product()
        };
        let total: u128 = rest.iter().map(count).sum();
        assert_eq!(total, 4u128.pow(5) - 2u128.pow(5));
        assert!(rest.iter().all(|b| b.intersect(&hole).is_none()));
    }
}
