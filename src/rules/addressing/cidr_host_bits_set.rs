use ipnet::IpNet;

use super::ranges::cluster_name;
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::{cidr, Field, Inventory};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Whether a CIDR in a network field is written with host bits set, such as
    /// `10.0.0.1/16` for `10.0.0.0/16`:
    ///
    /// * VNet address spaces and subnet prefixes — an error: Azure's network
    ///   validation rejects them as invalid CIDR notation;
    /// * service and pod CIDRs — a warning: AKS checks the DNS-IP conflict such a
    ///   service CIDR causes (F-063), but outright rejection is not confirmed.
    ///
    /// API server authorized IP ranges with host bits set are reported by AKS602
    /// authorized-ranges-invalid (F-090), not here, so one mistake gives one finding.
    ///
    /// ## Why it matters
    /// The value does not say what was meant: `10.0.0.1/16` could be a typo for
    /// `10.0.0.0/16` or for `10.0.0.1/32`. Azure refuses it in VNets and subnets,
    /// so the deployment fails; elsewhere the range silently becomes the network
    /// it names, which may not be what the author wanted.
    ///
    /// ## How to fix
    /// Write the network address the prefix names (the message shows it), or the
    /// longer prefix that was meant.
    ///
    /// ## Example
    /// ```json
    /// "addressPrefix": "10.240.0.0/22"
    /// ```
    /// instead of `"addressPrefix": "10.240.1.0/22"`.
    pub struct CidrHostBitsSet {
        code: "AKS109",
        name: "cidr-host-bits-set",
        category: IpPlanning,
        severity: Error,
        summary: "A CIDR in a network field has host bits set",
    }
}

impl Rule for CidrHostBitsSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for v in &inv.vnets {
            let owner = format!("address space of VNet `{}`", v.display_name());
            for f in &v.address_prefixes {
                report_field(cx, f, Severity::Error, &owner, &v.address);
            }
        }
        for s in &inv.subnets {
            let owner = format!("prefix of subnet `{}`", s.display_name());
            for f in &s.address_prefixes {
                report_field(cx, f, Severity::Error, &owner, &s.address);
            }
        }
        for c in &inv.clusters {
            let name = cluster_name(c);
            for f in &c.network.service_cidrs {
                report_field(
                    cx,
                    f,
                    Severity::Warning,
                    &format!("service CIDR of `{name}`"),
                    &c.address,
                );
            }
            for f in &c.network.pod_cidrs {
                report_field(
                    cx,
                    f,
                    Severity::Warning,
                    &format!("pod CIDR of `{name}`"),
                    &c.address,
                );
            }
        }
    }
}

fn report_field(
    cx: &mut Context<'_>,
    f: &Field<IpNet>,
    severity: Severity,
    owner: &str,
    resource: &str,
) {
    if let (Some(net), Some(span)) = (f.known(), f.span()) {
        report(cx, *net, span, severity, owner, resource);
    }
}

fn report(
    cx: &mut Context<'_>,
    net: IpNet,
    span: Span,
    severity: Severity,
    owner: &str,
    resource: &str,
) {
    if !cidr::host_bits_set(&net) {
        return;
    }
    let network = net.trunc();
    let d = cx.report_at(
        severity,
        span,
        format!(
            "{owner} `{net}` has host bits set: the prefix /{} names the network {network}",
            net.prefix_len()
        ),
        format!("did you mean {network}?"),
    );
    d.help = Some(format!(
        "write `{network}`, or a longer prefix if a smaller range was meant (F-063, F-090)"
    ));
    d.resource = Some(resource.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, primary_text, vnet};

    #[test]
    fn subnet_vnet_and_service_cidr() {
        let n = vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.1.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidr":"10.2.0.1/24","dnsServiceIP":"10.2.0.10"}"#,
            &[r#"{"name":"a"}"#.to_string()],
        );
        let (src, d) = check(&CidrHostBitsSet, &[&n, &c]);
        let got: Vec<_> = d
            .iter()
            .map(|x| (x.severity, primary_text(&src, x).to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Severity::Error, "\"10.1.1.0/22\"".to_string()),
                (Severity::Warning, "\"10.2.0.1/24\"".to_string())
            ]
        );
        assert!(
            d[0].message.contains("names the network 10.1.0.0/22"),
            "{}",
            d[0].message
        );
    }

    fn with_ranges(ranges: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1","name":"aks1",
            "type":"Microsoft.ContainerService/managedClusters","properties":{{"networkProfile":{{"serviceCidr":"10.2.0.0/24"}},
            "apiServerAccessProfile":{{"authorizedIPRanges":{ranges}}},"agentPoolProfiles":[{{"name":"a"}}]}}}}"#
        )
    }

    #[test]
    fn networks_pass_and_authorized_ranges_are_left_to_aks602() {
        let n = vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/22")]);
        let c = with_ranges(r#"["198.51.100.7","203.0.113.0/24"]"#);
        assert!(check(&CidrHostBitsSet, &[&n, &c]).1.is_empty());
        let c = with_ranges(r#"["137.117.106.90/29"]"#);
        assert!(check(&CidrHostBitsSet, &[&n, &c]).1.is_empty());
    }
}
