//! Automatic pairing of ARM parameter files with their templates, by name:
//! `X.parameters.json` and `X.parameters.<anything>.json` belong to `X.json` (or to
//! `X.template.json`, the other common convention); `X-parameters.json` belongs to
//! `X-template.json`; `azuredeploy.parameters*.json` with no `azuredeploy.json`
//! beside it belongs to the only template in its folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn lower_file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The template stem a parameter file names: `x` for `x.parameters.json`,
/// `x.parameters.prod.json` or `x-parameters.json`.
fn parameter_stem(name: &str) -> Option<&str> {
    let base = name.strip_suffix(".json")?;
    if let Some(stem) = base.strip_suffix("-parameters") {
        return Some(stem);
    }
    let i = base.find(".parameters")?;
    let rest = &base[i + ".parameters".len()..];
    (rest.is_empty() || rest.starts_with('.')).then_some(&base[..i])
}

/// File names a template with this stem may have.
fn template_names(stem: &str) -> [String; 3] {
    [
        format!("{stem}.json"),
        format!("{stem}.template.json"),
        format!("{stem}-template.json"),
    ]
}

/// For each template (by index into `templates`), the parameter files (indices into
/// `parameters`) that pair with it. When several match one template, the plain
/// `X.parameters.json` wins, else the first by name, so a run is deterministic.
pub fn pair_parameter_files(
    templates: &[PathBuf],
    parameters: &[PathBuf],
) -> BTreeMap<usize, usize> {
    let mut out: BTreeMap<usize, (bool, String, usize)> = BTreeMap::new();
    for (pi, param) in parameters.iter().enumerate() {
        let name = lower_file_name(param);
        let Some(stem) = parameter_stem(&name) else {
            continue;
        };
        let dir = param.parent();
        let same_dir: Vec<usize> = (0..templates.len())
            .filter(|&t| templates[t].parent() == dir)
            .collect();
        let names = template_names(stem);
        let by_stem = same_dir
            .iter()
            .copied()
            .find(|&t| names.contains(&lower_file_name(&templates[t])));
        let target = by_stem.or_else(|| {
            // The quickstart convention: azuredeploy.parameters*.json next to a single template.
            (stem == "azuredeploy" && same_dir.len() == 1).then(|| same_dir[0])
        });
        let Some(t) = target else { continue };
        let plain =
            name == format!("{stem}.parameters.json") || name == format!("{stem}-parameters.json");
        let better = match out.get(&t) {
            None => true,
            Some((was_plain, was_name, _)) => {
                (plain && !was_plain) || (plain == *was_plain && name < *was_name)
            }
        };
        if better {
            out.insert(t, (plain, name, pi));
        }
    }
    out.into_iter().map(|(t, (_, _, p))| (t, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn pairs_by_stem_and_prefers_the_plain_name() {
        let templates = vec![p("d/main.json"), p("d/other.json")];
        let params = vec![
            p("d/main.parameters.prod.json"),
            p("d/main.parameters.json"),
            p("d/other.parameters.dev.json"),
        ];
        let pairs = pair_parameter_files(&templates, &params);
        assert_eq!(pairs.get(&0), Some(&1));
        assert_eq!(pairs.get(&1), Some(&2));
    }

    #[test]
    fn azuredeploy_parameters_pair_with_the_single_template() {
        let pairs = pair_parameter_files(
            &[p("d/cluster-stamp.json")],
            &[p("d/azuredeploy.parameters.prod.json")],
        );
        assert_eq!(pairs.get(&0), Some(&0));
        let pairs = pair_parameter_files(
            &[p("d/a.json"), p("d/b.json")],
            &[p("d/azuredeploy.parameters.json")],
        );
        assert!(pairs.is_empty());
        assert!(
            pair_parameter_files(&[p("e/main.json")], &[p("d/main.parameters.json")]).is_empty()
        );
    }

    #[test]
    fn template_and_dash_conventions() {
        let pairs = pair_parameter_files(
            &[p("a/aks.template.json"), p("b/aks-template.json")],
            &[p("a/aks.parameters.json"), p("b/aks-parameters.json")],
        );
        assert_eq!(pairs.get(&0), Some(&0));
        assert_eq!(pairs.get(&1), Some(&1));
    }

    #[test]
    fn stems() {
        assert_eq!(parameter_stem("x.parameters.json"), Some("x"));
        assert_eq!(parameter_stem("x.parameters.prod.json"), Some("x"));
        assert_eq!(parameter_stem("x.parametersfoo.json"), None);
        assert_eq!(parameter_stem("x.json"), None);
    }
}
