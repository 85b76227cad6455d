//! Resource ids: the `resourceId` family of functions and the ids of emitted resources.

use super::eval::Deploy;

/// `providers/{namespace}/{type1}/{name1}/{type2}/{name2}...`, or an error when the
/// number of names does not match the type.
fn provider_path(resource_type: &str, names: &[&str]) -> Result<String, String> {
    let types: Vec<&str> = resource_type.split('/').collect();
    let names: Vec<&str> = names.iter().flat_map(|n| n.split('/')).collect();
    if types.len() < 2 || types.iter().any(|t| t.is_empty()) {
        return Err(format!("{resource_type:?} is not a resource type"));
    }
    if names.len() != types.len() - 1 {
        return Err(format!(
            "{resource_type} needs {} name segments, got {}",
            types.len() - 1,
            names.len()
        ));
    }
    let mut out = format!("providers/{}", types[0]);
    for (t, n) in types[1..].iter().zip(names) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(n);
    }
    Ok(out)
}

fn name_segments(names: &[&str]) -> usize {
    names.iter().map(|n| n.split('/').count()).sum()
}

/// Where the type argument sits: the first of the leading positions whose type needs
/// exactly the names that follow it; failing that, the first argument that looks like a type.
fn type_position(args: &[&str], max_leading: usize) -> Result<usize, String> {
    if args.is_empty() {
        return Err("takes a resource type".into());
    }
    let candidates = 0..=max_leading.min(args.len().saturating_sub(1));
    let looks_like_type = |a: &str| a.contains('/') && !a.starts_with('/');
    candidates
        .clone()
        .find(|&i| {
            looks_like_type(args[i])
                && args[i].split('/').count() - 1 == name_segments(&args[i + 1..])
        })
        .or_else(|| candidates.clone().find(|&i| looks_like_type(args[i])))
        .ok_or_else(|| "no resource type argument".to_string())
}

/// `resourceId([subscriptionId], [resourceGroupName], type, name1, ...)`.
pub fn resource_id(args: &[&str], deploy: &Deploy) -> Result<String, String> {
    let t = type_position(args, 2)?;
    let path = provider_path(args[t], &args[t + 1..])?;
    let (sub, rg) = match &args[..t] {
        [] => (
            deploy.subscription.as_str(),
            deploy.resource_group.as_deref(),
        ),
        [rg] => (deploy.subscription.as_str(), Some(*rg)),
        [sub, rg] => (*sub, Some(*rg)),
        _ => return Err("too many leading arguments".into()),
    };
    Ok(match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}/{path}"),
        None => format!("/subscriptions/{sub}/{path}"),
    })
}

/// `subscriptionResourceId([subscriptionId], type, name1, ...)`.
pub fn subscription_resource_id(args: &[&str], deploy: &Deploy) -> Result<String, String> {
    let t = type_position(args, 1)?;
    let path = provider_path(args[t], &args[t + 1..])?;
    let sub = if t == 1 {
        args[0]
    } else {
        deploy.subscription.as_str()
    };
    Ok(format!("/subscriptions/{sub}/{path}"))
}

/// `tenantResourceId(type, name1, ...)`.
pub fn tenant_resource_id(args: &[&str]) -> Result<String, String> {
    let (t, names) = args.split_first().ok_or("takes a resource type")?;
    Ok(format!("/{}", provider_path(t, names)?))
}

/// `extensionResourceId(baseResourceId, type, name1, ...)`.
pub fn extension_resource_id(args: &[&str]) -> Result<String, String> {
    let (base, rest) = args.split_first().ok_or("takes a base resource id")?;
    let (t, names) = rest.split_first().ok_or("takes a resource type")?;
    Ok(format!(
        "{}/{}",
        base.trim_end_matches('/'),
        provider_path(t, names)?
    ))
}

/// The id of a deployed resource from its fully qualified type and name.
/// `scope` is the `scope` property of an extension resource, when known.
pub fn id_of(
    resource_type: &str,
    name: &str,
    deploy: &Deploy,
    scope: Option<&str>,
) -> Option<String> {
    let path = provider_path(resource_type, &[name]).ok()?;
    if let Some(scope) = scope {
        let base = if scope.starts_with('/') {
            scope.trim_end_matches('/').to_string()
        } else {
            // Bicep writes a relative scope ("Microsoft.Network/virtualNetworks/vnet1").
            let (t, n) = split_relative(scope)?;
            id_of(&t, &n, deploy, None)?
        };
        return Some(format!("{base}/{path}"));
    }
    if resource_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
        return Some(format!(
            "/subscriptions/{}/resourceGroups/{name}",
            deploy.subscription
        ));
    }
    Some(match &deploy.resource_group {
        Some(rg) => format!(
            "/subscriptions/{}/resourceGroups/{rg}/{path}",
            deploy.subscription
        ),
        None => format!("/subscriptions/{}/{path}", deploy.subscription),
    })
}

/// The absolute scope an extension resource applies to: its `scope` (a
/// resource id, or Bicep's relative `ns/type/name`), else the deployment's
/// resource group or subscription.
pub fn absolute_scope(scope: Option<&str>, deploy: &Deploy) -> Option<String> {
    match scope {
        Some(s) if s.starts_with('/') => Some(s.trim_end_matches('/').to_string()),
        Some(s) => {
            let (t, n) = split_relative(s)?;
            id_of(&t, &n, deploy, None)
        }
        None => Some(match &deploy.resource_group {
            Some(rg) => format!("/subscriptions/{}/resourceGroups/{rg}", deploy.subscription),
            None => format!("/subscriptions/{}", deploy.subscription),
        }),
    }
}

/// Splits `ns/type1/name1/type2/name2` into type and name.
fn split_relative(scope: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = scope.split('/').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return None;
    }
    let types: Vec<&str> = std::iter::once(parts[0])
        .chain(parts[1..].iter().step_by(2).copied())
        .collect();
    let names: Vec<&str> = parts[2..].iter().step_by(2).copied().collect();
    Some((types.join("/"), names.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rg_scope() -> Deploy {
        Deploy {
            subscription: "{subscriptionId}".into(),
            resource_group: Some("{resourceGroup}".into()),
        }
    }

    #[test]
    fn resource_id_counts_leading_arguments() {
        let d = rg_scope();
        assert_eq!(
            resource_id(&["Microsoft.Network/virtualNetworks/subnets", "vnet", "sn"], &d).unwrap(),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn"
        );
        assert_eq!(
            resource_id(&["otherRg", "Microsoft.Network/virtualNetworks", "vnet"], &d).unwrap(),
            "/subscriptions/{subscriptionId}/resourceGroups/otherRg/providers/Microsoft.Network/virtualNetworks/vnet"
        );
        assert_eq!(
            resource_id(&["sub1", "rg1", "Microsoft.Network/virtualNetworks", "vnet"], &d).unwrap(),
            "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet"
        );
        assert!(resource_id(&["Microsoft.Network/virtualNetworks/subnets", "vnet"], &d).is_err());
        assert!(resource_id(&[], &d).is_err());
    }

    #[test]
    fn other_id_functions() {
        let d = rg_scope();
        assert_eq!(
            subscription_resource_id(&["Microsoft.Authorization/roleDefinitions", "abc"], &d)
                .unwrap(),
            "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/abc"
        );
        assert_eq!(
            subscription_resource_id(
                &["s2", "Microsoft.Authorization/roleDefinitions", "abc"],
                &d
            )
            .unwrap(),
            "/subscriptions/s2/providers/Microsoft.Authorization/roleDefinitions/abc"
        );
        assert_eq!(
            tenant_resource_id(&["Microsoft.Management/managementGroups", "mg"]).unwrap(),
            "/providers/Microsoft.Management/managementGroups/mg"
        );
        assert_eq!(
            extension_resource_id(&[
                "/subscriptions/s/resourceGroups/r",
                "Microsoft.Authorization/locks",
                "l"
            ])
            .unwrap(),
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Authorization/locks/l"
        );
    }

    #[test]
    fn ids_of_resources() {
        let d = rg_scope();
        assert_eq!(
            id_of("Microsoft.Network/virtualNetworks/subnets", "vnet/sn", &d, None).unwrap(),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn"
        );
        assert_eq!(
            id_of(
                "Microsoft.Network/virtualNetworks/subnets",
                "vnet",
                &d,
                None
            ),
            None
        );
        assert_eq!(
            id_of("Microsoft.Authorization/roleAssignments", "ra", &d, Some("Microsoft.Network/virtualNetworks/vnet")).unwrap(),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet/providers/Microsoft.Authorization/roleAssignments/ra"
        );
        let sub = Deploy {
            subscription: "{subscriptionId}".into(),
            resource_group: None,
        };
        assert_eq!(
            id_of("Microsoft.Resources/resourceGroups", "rg", &sub, None).unwrap(),
            "/subscriptions/{subscriptionId}/resourceGroups/rg"
        );
    }
}
