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
    /// Ids without placeholders, by their tail (for patterns asking).
    literal_by_tail: HashMap<u64, Vec<E>>,
    /// Ids without placeholders, by their last segment (for patterns asking).
    literal_by_name: HashMap<u64, Vec<E>>,
    /// Ids with placeholders only before their tail (a Terraform id's
    /// `{subscriptionId}`), by their tail.
    patterned_by_tail: HashMap<u64, Vec<E>>,
    /// Ids with placeholders whose last segment is literal, by that segment.
    patterned_by_name: HashMap<u64, Vec<E>>,
    /// Ids with a placeholder in their tail but not in their last segment,
    /// by that segment.
    tail_patterned_by_name: HashMap<u64, Vec<E>>,
    /// Ids with a placeholder in the last segment: tried one by one.
    wild_name: Vec<E>,
}

impl<E> Default for MatchIndex<E> {
    fn default() -> Self {
        MatchIndex {
            exact: HashMap::default(),
            literal_by_tail: HashMap::default(),
            literal_by_name: HashMap::default(),
            patterned_by_tail: HashMap::default(),
            patterned_by_name: HashMap::default(),
            tail_patterned_by_name: HashMap::default(),
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

/// How many segments a tail has: a child's parent name, type and name
/// (`vnet/subnets/nodes`). Subnets of many VNets share names (`nodes`,
/// `default`); by the name alone, each reference would be checked against
/// all of them.
const TAIL: usize = 3;

/// The last [`TAIL`] segments of a key, as [`ResourceId::matches`] splits
/// them: two ids that match and whose tails hold no placeholder have equal
/// tails. Borrowed from the key: linking takes one per reference.
struct Tail<'a>([&'a str; TAIL]);

impl<'a> Tail<'a> {
    fn of(id: &'a ResourceId) -> Tail<'a> {
        let mut tail = [""; TAIL];
        let segments = id.key().rsplit('/').filter(|s| !s.is_empty());
        for (slot, segment) in tail.iter_mut().rev().zip(segments) {
            *slot = segment;
        }
        Tail(tail)
    }

    fn hash(&self) -> u64 {
        crate::hash::hash_one(&self.0)
    }

    fn has_placeholder(&self) -> bool {
        self.0.iter().any(|s| s.contains('{'))
    }
}

impl<E: Copy + Ord> MatchIndex<E> {
    pub(super) fn build<'a>(ids: impl Iterator<Item = (E, &'a ResourceId)>) -> MatchIndex<E> {
        let mut index = MatchIndex::default();
        let add = |map: &mut HashMap<u64, Vec<E>>, hash: u64, e: E| {
            map.entry(hash).or_default().push(e);
        };
        for (e, id) in ids {
            let name = name_of(id);
            let tail = Tail::of(id);
            if !id.has_placeholders() {
                add(&mut index.exact, hash(id.key()), e);
                add(&mut index.literal_by_tail, tail.hash(), e);
                add(&mut index.literal_by_name, hash(name), e);
            } else if name.contains('{') {
                index.wild_name.push(e);
            } else {
                add(&mut index.patterned_by_name, hash(name), e);
                if tail.has_placeholder() {
                    add(&mut index.tail_patterned_by_name, hash(name), e);
                } else {
                    add(&mut index.patterned_by_tail, tail.hash(), e);
                }
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
        let bucket = |map: &HashMap<u64, Vec<E>>, hash: u64| -> Vec<E> {
            map.get(&hash).cloned().unwrap_or_default()
        };
        let tail = Tail::of(id);
        let mut out = if tail.has_placeholder() {
            // Anything matching has this last segment.
            let mut out = bucket(&self.literal_by_name, hash(name));
            out.extend(bucket(&self.patterned_by_name, hash(name)));
            out
        } else {
            // Anything matching has this tail, or a placeholder in its own.
            let mut out = if id.has_placeholders() {
                bucket(&self.literal_by_tail, tail.hash())
            } else {
                bucket(&self.exact, hash(id.key()))
            };
            out.extend(bucket(&self.patterned_by_tail, tail.hash()));
            out.extend(bucket(&self.tail_patterned_by_name, hash(name)));
            out
        };
        out.extend(self.wild_name.iter().copied());
        // Hash buckets may hold other ids: confirm each hit.
        out.retain(|&e| id_of(e).is_some_and(|other| other.matches(id)));
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a scan over every id finds, in order.
    fn scanned(ids: &[ResourceId], id: &ResourceId) -> Vec<usize> {
        (0..ids.len()).filter(|&i| ids[i].matches(id)).collect()
    }

    #[test]
    fn the_index_finds_what_a_scan_finds() {
        let net = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks";
        let tf = "/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks";
        let texts = [
            format!("{net}/v1/subnets/nodes"),
            format!("{net}/v2/subnets/nodes"),
            format!("{net}/V2/subnets/Nodes"),
            format!("{tf}/v1/subnets/nodes"),
            format!("{tf}/v3/subnets/nodes"),
            format!("{tf}/{{vnetName}}/subnets/nodes"),
            format!("{tf}/v4/subnets/{{name}}"),
            format!("{net}/v1/subnets/pods"),
            format!("{net}/v1"),
            format!("{tf}/v1"),
            "/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/v2/subnets/nodes".to_string(),
            format!("{tf}/v-{{suffix}}/subnets/nodes"),
        ];
        let ids: Vec<ResourceId> = texts
            .iter()
            .map(|t| ResourceId::parse(t).unwrap())
            .collect();
        let index = MatchIndex::build(ids.iter().enumerate());
        for asked in &ids {
            let scan = scanned(&ids, asked);
            match index.matching(asked, |e| ids.get(e)) {
                Some(found) => assert_eq!(found, scan, "{asked}"),
                // A placeholder in the last segment: the caller scans.
                None => assert!(asked.name().contains('{'), "{asked}"),
            }
        }
        // A Terraform reference finds its own VNet's `nodes`, not every `nodes`.
        let asked = ResourceId::parse(&format!("{tf}/v2/subnets/nodes")).unwrap();
        assert_eq!(
            index.matching(&asked, |e| ids.get(e)),
            Some(vec![1, 2, 5, 10])
        );
    }
}
