use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, Field, Inventory, ResourceId};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The private DNS zone of a private cluster
    /// (`apiServerAccessProfile.enablePrivateCluster: true`), set by
    /// `apiServerAccessProfile.privateDNSZone` (Terraform `private_dns_zone_id`).
    /// Each of these is a finding of its own (F-088):
    ///
    /// * `none` with `enablePrivateClusterPublicFQDN: false` (Terraform
    ///   `private_cluster_public_fqdn_enabled`, whose default is `false`; ARM's
    ///   default is `true`);
    /// * a bring-your-own zone whose name is not `privatelink.<region>.azmk8s.io`
    ///   or `<subzone>.privatelink.<region>.azmk8s.io` (`private.` instead of
    ///   `privatelink.` for API Server VNet Integration; the Azure Government and
    ///   Azure operated by 21Vianet suffixes are accepted too), or whose region is
    ///   not the cluster's `location`;
    /// * a subzone longer than 32 characters;
    /// * a bring-your-own zone with a system-assigned cluster identity
    ///   (`identity.type: SystemAssigned`).
    ///
    /// `system` and `none` are keywords in any case. The rule is silent when the
    /// zone, its name, the cluster's location (for the region) or the identity
    /// type cannot be evaluated, and on clusters that are not known to be private.
    ///
    /// ## Why it matters
    /// AKS validates the zone when the cluster is created and refuses a zone it
    /// cannot use; the zone cannot be changed afterwards, except to `none` (F-088).
    /// Without a private zone (`none`), nodes reach the API server through its
    /// public FQDN, so disabling that FQDN too is not supported: "Setting
    /// `privateDNSZone` to `none` and `publicDNS: false` at the same time isn't
    /// supported"
    /// (<https://learn.microsoft.com/en-us/azure/aks/private-clusters>). AKS writes
    /// the API server's records into a bring-your-own zone and links it to the
    /// cluster's VNet with the cluster identity, which must be user-assigned and
    /// hold Private DNS Zone Contributor and Network Contributor; a
    /// system-assigned identity does not exist before the cluster does, so it
    /// cannot be granted those roles in advance.
    ///
    /// ## How to fix
    /// Use `system`, or a zone named `privatelink.<region>.azmk8s.io` (optionally
    /// with a subzone of at most 32 characters) in the cluster's region, and a
    /// user-assigned identity (`identity.type: UserAssigned`) with the two roles
    /// on the zone and the VNet. With `none`, keep the public FQDN enabled.
    ///
    /// ## Example
    /// ```json
    /// "identity": { "type": "UserAssigned", "userAssignedIdentities": { "[variables('identityId')]": {} } },
    /// "properties": { "apiServerAccessProfile": { "enablePrivateCluster": true,
    ///   "privateDNSZone": "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.westeurope.azmk8s.io')]" } }
    /// ```
    pub struct PrivateDnsZoneInvalid {
        code: "AKS603",
        name: "private-dns-zone-invalid",
        category: Compatibility,
        severity: Error,
        summary: "A private cluster's private DNS zone setting is one AKS refuses",
    }
}

/// DNS suffixes of AKS private zones: Azure public cloud, Azure Government,
/// Azure operated by 21Vianet.
const SUFFIXES: &[&str] = &[
    "azmk8s.io",
    "cx.aks.containerservice.azure.us",
    "cx.prod.service.azk8s.cn",
];

/// Longest subzone label AKS accepts (F-088).
const MAX_SUBZONE: usize = 32;

const HELP_NAME: &str = "name the zone privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io, in the cluster's region (F-088)";

impl Rule for PrivateDnsZoneInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            if cluster.api_server.private_cluster.value() != Some(&true) {
                continue;
            }
            let Field::Known(zone, span) = &cluster.api_server.private_dns_zone else {
                continue;
            };
            if zone.eq_ignore_ascii_case("system") {
                continue;
            }
            if zone.eq_ignore_ascii_case("none") {
                check_none(cluster, *span, cx);
                continue;
            }
            check_byo(cluster, zone, *span, cx);
        }
    }
}

/// `none` needs the public FQDN: nodes resolve the API server through it.
fn check_none(cluster: &Cluster, span: Span, cx: &mut Context<'_>) {
    let fqdn = &cluster.api_server.private_cluster_public_fqdn;
    if fqdn.value() != Some(&false) {
        return;
    }
    let d = cx.report(
        span,
        format!(
            "private cluster `{}` has no private DNS zone (`none`) and its public FQDN is disabled; AKS does not support the two together",
            cluster_name(cluster)
        ),
        "no private DNS zone",
    );
    let label = match fqdn {
        Field::Known(_, s) => Some(Label::new(*s, "public FQDN disabled")),
        _ => None,
    };
    d.labels.extend(label);
    d.help = Some(
        "enable the public FQDN (enablePrivateClusterPublicFQDN: true; Terraform private_cluster_public_fqdn_enabled = true), or use a private DNS zone (`system` or your own) (F-088)"
            .into(),
    );
    d.resource = Some(cluster.address.clone());
}

/// A bring-your-own zone: an id, of a zone with AKS's name, and a user-assigned identity.
fn check_byo(cluster: &Cluster, zone: &str, span: Span, cx: &mut Context<'_>) {
    let Some(id) = ResourceId::parse(zone) else {
        report(
            cluster,
            span,
            format!(
                "`{zone}` is neither `system`, `none` nor the resource id of a private DNS zone"
            ),
            "not a private DNS zone id",
            cx,
        )
        .help =
            Some("set `system`, `none`, or the resource id of a private DNS zone (F-088)".into());
        return;
    };
    check_identity(cluster, span, cx);
    let name = id.name();
    if !is_known_name(name) {
        return;
    }
    if id.resource_type() != "microsoft.network/privatednszones" {
        report(
            cluster,
            span,
            format!(
                "`{zone}` is not the id of a private DNS zone (Microsoft.Network/privateDnsZones)"
            ),
            "not a private DNS zone",
            cx,
        )
        .help = Some(HELP_NAME.into());
        return;
    }
    let Some(parts) = ZoneName::parse(name) else {
        report(
            cluster,
            span,
            format!("private DNS zone `{name}` of cluster `{}` is not named privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io", cluster_name(cluster)),
            "not an AKS private DNS zone name",
            cx,
        )
        .help = Some(HELP_NAME.into());
        return;
    };
    check_label(cluster, &parts, name, span, cx);
    check_region(cluster, &parts, name, span, cx);
    check_subzone(cluster, &parts, name, span, cx);
}

fn report<'a>(
    cluster: &Cluster,
    span: Span,
    message: String,
    label: &str,
    cx: &'a mut Context<'_>,
) -> &'a mut crate::diagnostic::Diagnostic {
    let d = cx.report(span, message, label);
    d.resource = Some(cluster.address.clone());
    d
}

/// A name built from a value akslint could not read (`unknown(...)`, `{…}`) decides nothing.
fn is_known_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['{', '}', '[', ']', '(', ')', '$'])
}

/// `[<subzone>.]privatelink.<region>.<suffix>`, split.
struct ZoneName<'a> {
    subzone: Option<&'a str>,
    /// `privatelink`, or `private` (API Server VNet Integration).
    label: &'a str,
    region: &'a str,
}

impl<'a> ZoneName<'a> {
    fn parse(name: &'a str) -> Option<ZoneName<'a>> {
        let name = name.trim_end_matches('.');
        let rest = SUFFIXES.iter().find_map(|s| {
            let cut = name.len().checked_sub(s.len() + 1)?;
            let (head, tail) = name.split_at(cut);
            (tail.len() == s.len() + 1
                && tail.starts_with('.')
                && tail[1..].eq_ignore_ascii_case(s))
            .then_some(head)
        })?;
        let (before, region) = rest.rsplit_once('.')?;
        let (subzone, label) = match before.rsplit_once('.') {
            Some((sub, label)) => (Some(sub), label),
            None => (None, before),
        };
        let ok = label.eq_ignore_ascii_case("privatelink") || label.eq_ignore_ascii_case("private");
        (ok && !region.is_empty() && subzone.is_none_or(|s| !s.is_empty())).then_some(ZoneName {
            subzone,
            label,
            region,
        })
    }
}

/// `private.` zones are for API Server VNet Integration only.
fn check_label(
    cluster: &Cluster,
    parts: &ZoneName<'_>,
    name: &str,
    span: Span,
    cx: &mut Context<'_>,
) {
    let integration = &cluster.api_server.vnet_integration;
    if !parts.label.eq_ignore_ascii_case("private") || integration.is_unknown() {
        return;
    }
    if integration.value() == Some(&true) {
        return;
    }
    report(
        cluster,
        span,
        format!(
            "private DNS zone `{name}` of cluster `{}` uses the `private.` name of API Server VNet Integration, which the cluster does not use; a Private Link cluster needs privatelink.<region>.azmk8s.io",
            cluster_name(cluster)
        ),
        "`private.` zone without VNet integration",
        cx,
    )
    .help = Some(HELP_NAME.into());
}

/// The zone's region must be the cluster's (compared without spaces and case).
fn check_region(
    cluster: &Cluster,
    parts: &ZoneName<'_>,
    name: &str,
    span: Span,
    cx: &mut Context<'_>,
) {
    let Field::Known(location, loc_span) = &cluster.location else {
        return;
    };
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let location = normal(location);
    if location.is_empty() || !is_known_name(&location) || location == normal(parts.region) {
        return;
    }
    let d = report(
        cluster,
        span,
        format!(
            "private DNS zone `{name}` of cluster `{}` is for region `{}`, but the cluster is in `{location}`",
            cluster_name(cluster),
            parts.region
        ),
        format!("zone for `{}`", parts.region).as_str(),
        cx,
    );
    d.labels
        .push(Label::new(*loc_span, "the cluster's location"));
    d.help = Some(format!(
        "use the zone privatelink.{location}.azmk8s.io (or a subzone of it) (F-088)"
    ));
}

fn check_subzone(
    cluster: &Cluster,
    parts: &ZoneName<'_>,
    name: &str,
    span: Span,
    cx: &mut Context<'_>,
) {
    let Some(sub) = parts.subzone else { return };
    let len = sub.chars().count();
    if len <= MAX_SUBZONE {
        return;
    }
    report(
        cluster,
        span,
        format!(
            "the subzone `{sub}` of private DNS zone `{name}` (cluster `{}`) has {len} characters; AKS accepts at most {MAX_SUBZONE}",
            cluster_name(cluster)
        ),
        format!("subzone of {len} characters").as_str(),
        cx,
    )
    .help = Some(format!(
        "shorten the subzone to {MAX_SUBZONE} characters or fewer (F-088)"
    ));
}

/// A bring-your-own zone needs a user-assigned identity (a service principal also works).
fn check_identity(cluster: &Cluster, zone_span: Span, cx: &mut Context<'_>) {
    let Field::Known(kind, span) = &cluster.identity_type else {
        return;
    };
    if !kind.eq_ignore_ascii_case("SystemAssigned") {
        return;
    }
    let d = report(
        cluster,
        *span,
        format!(
            "cluster `{}` brings its own private DNS zone but has a system-assigned identity; a custom private DNS zone needs a user-assigned identity",
            cluster_name(cluster)
        ),
        "system-assigned identity",
        cx,
    );
    d.labels
        .push(Label::new(zone_span, "bring-your-own private DNS zone"));
    d.help = Some(
        "use a user-assigned identity (identity.type: UserAssigned) with Private DNS Zone Contributor on the zone and Network Contributor on the VNet (F-088)"
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    const ZONES: &str =
        "/subscriptions/0/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones";

    fn cluster(api: &str, identity: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters","location":"westeurope",
            "identity":{{"type":"{identity}"}},
            "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "apiServerAccessProfile":{{"enablePrivateCluster":true{api}}},
            "agentPoolProfiles":[{{"name":"sys","count":1}}]}}}}"#
        )
    }

    fn run(api: &str, identity: &str) -> Vec<(String, String)> {
        let (src, d) = check(&PrivateDnsZoneInvalid, &[&cluster(api, identity)]);
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.message.clone()))
            .collect()
    }

    fn zone(name: &str) -> String {
        format!(r#","privateDNSZone":"{ZONES}/{name}""#)
    }

    #[test]
    fn keywords_and_good_zones_pass() {
        assert!(run(r#","privateDNSZone":"System""#, "SystemAssigned").is_empty());
        assert!(run(r#","privateDNSZone":"None""#, "SystemAssigned").is_empty());
        assert!(run("", "SystemAssigned").is_empty());
        assert!(run(&zone("privatelink.westeurope.azmk8s.io"), "UserAssigned").is_empty());
        assert!(run(
            &zone("team1.privatelink.westeurope.azmk8s.io"),
            "UserAssigned"
        )
        .is_empty());
    }

    #[test]
    fn none_without_public_fqdn_is_reported() {
        let d = run(
            r#","privateDNSZone":"none","enablePrivateClusterPublicFQDN":false"#,
            "UserAssigned",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "\"none\"");
    }

    #[test]
    fn byo_zone_name_region_subzone_and_identity() {
        let bad = run(&zone("aks.contoso.internal"), "UserAssigned");
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].1.contains("is not named"), "{}", bad[0].1);

        let region = run(&zone("privatelink.northeurope.azmk8s.io"), "UserAssigned");
        assert_eq!(region.len(), 1, "{region:?}");
        assert!(region[0].1.contains("`northeurope`"), "{}", region[0].1);

        let long = "a".repeat(33);
        let sub = run(
            &zone(&format!("{long}.privatelink.westeurope.azmk8s.io")),
            "UserAssigned",
        );
        assert_eq!(sub.len(), 1, "{sub:?}");
        assert!(sub[0].1.contains("33 characters"), "{}", sub[0].1);

        let system = run(&zone("privatelink.westeurope.azmk8s.io"), "SystemAssigned");
        assert_eq!(system.len(), 1, "{system:?}");
        assert_eq!(system[0].0, "\"SystemAssigned\"");
    }

    #[test]
    fn zone_names_parse() {
        let z = ZoneName::parse("x.privatelink.eastus2.azmk8s.io").unwrap();
        assert_eq!(
            (z.subzone, z.label, z.region),
            (Some("x"), "privatelink", "eastus2")
        );
        assert!(
            ZoneName::parse("privatelink.usgovvirginia.cx.aks.containerservice.azure.us").is_some()
        );
        assert!(ZoneName::parse("privatelink.azmk8s.io").is_none());
        assert!(ZoneName::parse("foo.westeurope.azmk8s.io").is_none());
    }
}
