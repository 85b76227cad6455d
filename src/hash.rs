//! The hasher of akslint's internal maps. Resource ids and object keys are
//! hashed millions of times over an estate, and std's SipHash was 8 % of the
//! instructions of a 5 MB export's check. foldhash is several times faster
//! and still seeded at random per process, so keys in a hostile input cannot
//! be picked to collide without knowing the seed.

/// A `HashMap` with foldhash; make one with `FastMap::default()`.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash; make one with `FastSet::default()`.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// An empty map with room for `n` entries.
pub fn map_with_capacity<K, V>(n: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(n, Default::default())
}

/// An empty set with room for `n` entries.
pub fn set_with_capacity<K>(n: usize) -> FastSet<K> {
    FastSet::with_capacity_and_hasher(n, Default::default())
}

/// One hash of `value` for the whole process (for maps keyed by hashes).
pub fn hash_one<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    STATE.get_or_init(Default::default).hash_one(value)
}
