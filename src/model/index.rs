//! Joins by resource id through hash maps; placeholder ids fall back to a
//! match among resources of the same type.

use std::collections::HashMap;

use super::ResourceId;

pub(super) struct IdIndex {
    exact: HashMap<String, usize>,
    by_type: HashMap<String, Vec<(usize, ResourceId)>>,
    any_placeholders: bool,
}

impl IdIndex {
    pub(super) fn build<'a>(ids: impl Iterator<Item = Option<&'a ResourceId>>) -> IdIndex {
        let mut exact = HashMap::new();
        let mut by_type: HashMap<String, Vec<(usize, ResourceId)>> = HashMap::new();
        let mut any_placeholders = false;
        for (i, id) in ids.enumerate() {
            let Some(id) = id else { continue };
            exact.entry(id.key().to_string()).or_insert(i);
            any_placeholders |= id.has_placeholders();
            by_type
                .entry(id.resource_type())
                .or_default()
                .push((i, id.clone()));
        }
        IdIndex {
            exact,
            by_type,
            any_placeholders,
        }
    }

    /// The one resource this id refers to; `None` when absent or ambiguous.
    pub(super) fn find(&self, id: &ResourceId) -> Option<usize> {
        if let Some(&i) = self.exact.get(id.key()) {
            return Some(i);
        }
        if !id.has_placeholders() && !self.any_placeholders {
            return None;
        }
        let candidates = self.by_type.get(&id.resource_type())?;
        let mut found = candidates
            .iter()
            .filter(|(_, c)| c.matches(id))
            .map(|(i, _)| *i);
        let first = found.next()?;
        // Two different resources fit the pattern: linking either would be a guess.
        found.next().is_none().then_some(first)
    }
}

/// Every item whose id [`ResourceId::matches`] a given id, in inventory order:
/// what a scan over all items would return, through a hash map. Ids with
/// placeholders (templates) are few and are tried one by one.
#[derive(Debug, Default)]
pub(super) struct MatchIndex {
    exact: HashMap<String, Vec<usize>>,
    patterned: Vec<(usize, ResourceId)>,
}

impl MatchIndex {
    pub(super) fn build<'a>(ids: impl Iterator<Item = (usize, &'a ResourceId)>) -> MatchIndex {
        let mut index = MatchIndex::default();
        for (i, id) in ids {
            if id.has_placeholders() {
                index.patterned.push((i, id.clone()));
            } else {
                index.exact.entry(id.key().to_string()).or_default().push(i);
            }
        }
        index
    }

    /// `None` when `id` itself has placeholders: only a scan over every item can answer.
    pub(super) fn matching(&self, id: &ResourceId) -> Option<Vec<usize>> {
        if id.has_placeholders() {
            return None;
        }
        let mut out: Vec<usize> = self.exact.get(id.key()).cloned().unwrap_or_default();
        out.extend(
            self.patterned
                .iter()
                .filter(|(_, p)| p.matches(id))
                .map(|(i, _)| *i),
        );
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}
