//! Azure resource ids: normalised, compared case-insensitively, and matched with
//! `{placeholder}` segments where a template could not know the deployment scope.

use std::fmt;

/// A resource id as written (or built by a template), with its lowercase key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceId {
    raw: String,
    key: String,
}

impl ResourceId {
    /// Accepts ids that start with `/subscriptions/` or `/providers/` (or a placeholder).
    pub fn parse(text: &str) -> Option<ResourceId> {
        let trimmed = text.trim().trim_end_matches('/');
        if !trimmed.starts_with('/') || trimmed.len() < 3 {
            return None;
        }
        let key = trimmed.to_ascii_lowercase();
        if !key.contains("/providers/") {
            return None;
        }
        Some(ResourceId {
            raw: trimmed.to_string(),
            key,
        })
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Lowercase, no trailing slash: the join key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn segments(&self) -> Vec<&str> {
        self.key.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The resource group named in the id (as written), if any.
    pub fn resource_group(&self) -> Option<&str> {
        let parts: Vec<&str> = self.raw.split('/').filter(|s| !s.is_empty()).collect();
        parts
            .windows(2)
            .find(|w| w[0].eq_ignore_ascii_case("resourcegroups"))
            .map(|w| w[1])
    }

    /// Lowercase fully qualified type, e.g. `microsoft.network/virtualnetworks/subnets`.
    pub fn resource_type(&self) -> String {
        let segs = self.segments();
        let Some(p) = segs.iter().rposition(|s| *s == "providers") else {
            return String::new();
        };
        let rest = &segs[p + 1..];
        let Some(namespace) = rest.first() else {
            return String::new();
        };
        let mut ty = namespace.to_string();
        for pair in rest[1..].chunks(2) {
            ty.push('/');
            ty.push_str(pair[0]);
        }
        ty
    }

    /// Last name segment as written.
    pub fn name(&self) -> &str {
        self.raw.rsplit('/').next().unwrap_or("")
    }

    /// The id of the parent resource (`…/virtualNetworks/v` for `…/virtualNetworks/v/subnets/s`).
    pub fn parent(&self) -> Option<ResourceId> {
        let segs: Vec<&str> = self.raw.split('/').filter(|s| !s.is_empty()).collect();
        let p = segs
            .iter()
            .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
        // namespace, type, name, [type, name]...: a child has at least 5 segments after "providers".
        if segs.len() < p + 6 {
            return None;
        }
        ResourceId::parse(&format!("/{}", segs[..segs.len() - 2].join("/")))
    }

    /// Child id: `self/<child_type>/<name>`.
    pub fn child(&self, child_type: &str, name: &str) -> Option<ResourceId> {
        ResourceId::parse(&format!("{}/{}/{}", self.raw, child_type, name))
    }

    pub fn has_placeholders(&self) -> bool {
        self.key.contains('{')
    }

    /// Segment-wise comparison where `{…}` in either id matches any text.
    pub fn matches(&self, other: &ResourceId) -> bool {
        if self.key == other.key {
            return true;
        }
        if !self.has_placeholders() && !other.has_placeholders() {
            return false;
        }
        // Segment by segment without collecting: linking asks this for every
        // candidate of every reference.
        let mut a = self.key.split('/').filter(|s| !s.is_empty());
        let mut b = other.key.split('/').filter(|s| !s.is_empty());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if segment_matches(x, y) => {}
                _ => return false,
            }
        }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Glob match of two segments where `{…}` is a wildcard on either side.
fn segment_matches(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.contains('{'), b.contains('{')) {
        (false, false) => false,
        (true, false) => whole_placeholder(a) || glob(&pattern(a), b),
        (false, true) => whole_placeholder(b) || glob(&pattern(b), a),
        // Two different patterns: whether they name the same thing is a guess.
        (true, true) => false,
    }
}

/// `{subscriptionId}`: one placeholder and nothing else, which matches any
/// segment (the common case, answered without building a pattern).
fn whole_placeholder(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('{') && s.find('}') == Some(s.len() - 1) && !s[1..].contains('{')
}

/// Splits `pre{x}mid{y}post` into the literal pieces `[pre, mid, post]`.
fn pattern(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = s;
    loop {
        match rest.find('{') {
            Some(open) => {
                pieces.push(&rest[..open]);
                match rest[open..].find('}') {
                    Some(close) => rest = &rest[open + close + 1..],
                    None => {
                        rest = "";
                    }
                }
            }
            None => {
                pieces.push(rest);
                return pieces;
            }
        }
    }
}

/// Matches literal pieces separated by wildcards against a text.
pub(super) fn glob(pieces: &[&str], text: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for piece in middle {
        match remaining.find(piece) {
            Some(i) => remaining = &remaining[i + piece.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(s).unwrap()
    }

    #[test]
    fn compares_case_insensitively() {
        let a = id("/subscriptions/0/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/S");
        let b = id("/subscriptions/0/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/s/");
        assert_eq!(a.key(), b.key());
        assert!(a.matches(&b));
    }

    #[test]
    fn placeholders_match_any_segment_text() {
        let built = id("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/v/subnets/s");
        let literal = id("/subscriptions/1234/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s");
        let other = id("/subscriptions/1234/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/t");
        assert!(built.matches(&literal));
        assert!(literal.matches(&built));
        assert!(!built.matches(&other));
        let prefixed = id(
            "/subscriptions/1/resourceGroups/MC_{resourceGroup}_aks_{location}/providers/a.b/c/d",
        );
        let real = id("/subscriptions/1/resourceGroups/MC_rg1_aks_westeurope/providers/a.b/c/d");
        assert!(prefixed.matches(&real));
    }

    #[test]
    fn a_whole_placeholder_is_the_pattern_that_matches_everything() {
        for seg in [
            "{x}",
            "{subscriptionId}",
            "{}",
            "{a}b",
            "a{b}",
            "{a}{b}",
            "{a",
            "x",
        ] {
            for text in ["", "v", "vnet-1", "{y}"] {
                if whole_placeholder(seg) {
                    assert!(glob(&pattern(seg), text), "{seg} {text}");
                }
            }
        }
        assert!(whole_placeholder("{x}") && whole_placeholder("{}"));
        assert!(
            !whole_placeholder("{a}b") && !whole_placeholder("{a}{b}") && !whole_placeholder("{a")
        );
        // Ids of other lengths never match, whatever their placeholders.
        let short = id("/subscriptions/{s}/providers/Microsoft.Network/virtualNetworks/v");
        let long = id("/subscriptions/{s}/providers/Microsoft.Network/virtualNetworks/v/subnets/a");
        assert!(!short.matches(&long) && !long.matches(&short));
    }

    #[test]
    fn two_different_patterns_do_not_match() {
        let a =
            id("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/a.b/c/d");
        let b = id("/subscriptions/{subscriptionId}/resourceGroups/MC_{resourceGroup}_aks_{location}/providers/a.b/c/d");
        assert!(!a.matches(&b));
        assert!(!b.matches(&a));
        assert!(a.matches(&a.clone()));
    }

    #[test]
    fn type_parent_and_group() {
        let s = id("/subscriptions/0/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/S");
        assert_eq!(
            s.resource_type(),
            "microsoft.network/virtualnetworks/subnets"
        );
        assert_eq!(s.resource_group(), Some("RG"));
        assert_eq!(s.name(), "S");
        assert_eq!(
            s.parent().unwrap().key(),
            "/subscriptions/0/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v"
        );
        assert!(s.parent().unwrap().parent().is_none());
    }

    #[test]
    fn rejects_non_ids() {
        assert!(ResourceId::parse("subnet1").is_none());
        assert!(ResourceId::parse("/subscriptions/0").is_none());
    }
}
