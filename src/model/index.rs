//! Joins by resource id through hash maps, for the rules' lookups (linking
//! itself, scope by scope, is in `link`).

use crate::hash::FastMap as HashMap;

use super::ResourceId;

/// Every entry whose id [`ResourceId::matches`] a given id, in inventory order:
/// what a scan over all entries would return, through hash maps. An entry is an
/// index into the inventory (a subnet, or a VNet's peering); the index holds
/// hashes, not copies of the ids, and asks `id_of` for the id to confirm a hit.
#[derive(Debug)]
pub(super) struct MatchIndex<E> {
    /// Ids without placeholders, by their key.
    exact: HashMap<u64, Vec<E>>,
    /// Ids without placeholders, by their last segment (for patterns asking).
    literal_by_name: HashMap<u64, Vec<E>>,
    /// Ids with placeholders whose last segment is literal, by that segment.
    patterned_by_name: HashMap<u64, Vec<E>>,
    /// Ids with a placeholder in the last segment: tried one by one.
    wild_name: Vec<E>,
}

impl<E> Default for MatchIndex<E> {
    fn default() -> Self {
        MatchIndex {
            exact: HashMap::default(),
            literal_by_name: HashMap::default(),
            patterned_by_name: HashMap::default(),
            wild_name: Vec::new(),
        }
    }
}

fn hash(text: &str) -> u64 {
    crate::hash::hash_one(text)
}

/// The last segment of a key: two ids that match have matching last segments.
fn name_of(id: &ResourceId) -> &str {
    id.key().rsplit('/').next().unwrap_or("")
}

impl<E: Copy + Ord> MatchIndex<E> {
    pub(super) fn build<'a>(ids: impl Iterator<Item = (E, &'a ResourceId)>) -> MatchIndex<E> {
        let mut index = MatchIndex::default();
        for (e, id) in ids {
            let name = name_of(id);
            if !id.has_placeholders() {
                index.exact.entry(hash(id.key())).or_default().push(e);
                index.literal_by_name.entry(hash(name)).or_default().push(e);
            } else if name.contains('{') {
                index.wild_name.push(e);
            } else {
                index
                    .patterned_by_name
                    .entry(hash(name))
                    .or_default()
                    .push(e);
            }
        }
        index
    }

    /// `None` when `id` has a placeholder in its last segment: only a scan can answer.
    pub(super) fn matching<'a>(
        &self,
        id: &ResourceId,
        id_of: impl Fn(E) -> Option<&'a ResourceId>,
    ) -> Option<Vec<E>> {
        let name = name_of(id);
        if name.contains('{') {
            return None;
        }
        let bucket = |map: &HashMap<u64, Vec<E>>, text: &str| -> Vec<E> {
            map.get(&hash(text)).cloned().unwrap_or_default()
        };
        let mut out = if id.has_placeholders() {
            bucket(&self.literal_by_name, name)
        } else {
            bucket(&self.exact, id.key())
        };
        out.extend(bucket(&self.patterned_by_name, name));
        out.extend(self.wild_name.iter().copied());
        // Hash buckets may hold other ids: confirm each hit.
        out.retain(|&e| id_of(e).is_some_and(|other| other.matches(id)));
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}
