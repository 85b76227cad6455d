//! Terraform resource addresses: `module.net["a"].azurerm_subnet.nodes[0]`.
//! Instance keys may hold dots and brackets inside quotes, so addresses are
//! split with a small scanner rather than on every `.`.

/// Splits an address at the dots that separate its steps, keeping instance
/// keys (`nodes["a.b"]`) in their step.
pub(crate) fn steps(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, ch) in address.char_indices() {
        if quoted {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                out.push(&address[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&address[start..]);
    out
}

/// A step without its instance key: `nodes["a"]` → `nodes`.
pub(crate) fn without_key(step: &str) -> &str {
    step.find('[').map_or(step, |i| &step[..i])
}

/// True when `target` names `candidate`, where a step of `target` written without
/// an instance key stands for any instance (`azurerm_subnet.nodes` and
/// `azurerm_subnet.nodes[0]`, `module.net.x.y` and `module.net["a"].x.y`).
pub(crate) fn names_instance(target: &str, candidate: &str) -> bool {
    let t = steps(target);
    let c = steps(candidate);
    t.len() == c.len()
        && t.iter()
            .zip(&c)
            .all(|(t, c)| t == c || (!t.contains('[') && without_key(c) == *t && c.len() > t.len()))
}

/// The steps of the module instance a resource lives in:
/// `module.a[0].module.b.azurerm_subnet.x` → `["module.a[0]", "module.b"]`.
pub(crate) fn module_prefix(address: &str) -> Vec<String> {
    let steps = steps(address);
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < steps.len() && steps[i] == "module" {
        out.push(format!("module.{}", steps[i + 1]));
        i += 2;
    }
    out
}

/// True for a data source address (`data.azurerm_subnet.x`, `module.m.data.…`).
pub(crate) fn is_data_source(address: &str) -> bool {
    let steps = steps(address);
    let mut i = 0;
    while i + 1 < steps.len() && steps[i] == "module" {
        i += 2;
    }
    steps.get(i) == Some(&"data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_around_quoted_keys() {
        assert_eq!(
            steps(r#"module.net["a.b"].azurerm_subnet.nodes[0]"#),
            vec!["module", r#"net["a.b"]"#, "azurerm_subnet", "nodes[0]"]
        );
        assert_eq!(steps(r#"x.y["a\"]."]"#), vec!["x", r#"y["a\"]."]"#]);
    }

    #[test]
    fn unkeyed_steps_match_any_instance() {
        assert!(names_instance(
            "azurerm_subnet.nodes",
            "azurerm_subnet.nodes"
        ));
        assert!(names_instance(
            "azurerm_subnet.nodes",
            r#"azurerm_subnet.nodes["a"]"#
        ));
        assert!(names_instance(
            "module.net.azurerm_subnet.nodes",
            "module.net[0].azurerm_subnet.nodes"
        ));
        assert!(!names_instance(
            "azurerm_subnet.nodes[0]",
            "azurerm_subnet.nodes[1]"
        ));
        assert!(!names_instance(
            "azurerm_subnet.nodes",
            "azurerm_subnet.nodes2"
        ));
        assert!(!names_instance(
            "azurerm_subnet.nodes",
            "module.x.azurerm_subnet.nodes"
        ));
    }

    #[test]
    fn module_prefixes_and_data_sources() {
        assert_eq!(
            module_prefix("module.a[0].module.b.azurerm_subnet.x"),
            vec!["module.a[0]".to_string(), "module.b".to_string()]
        );
        assert!(module_prefix("azurerm_subnet.x").is_empty());
        assert!(is_data_source("module.m.data.azurerm_subnet.x"));
        assert!(is_data_source("data.azurerm_subnet.x"));
        assert!(!is_data_source("azurerm_subnet.data"));
    }
}
