use ipnet::IpNet;

use super::ranges::cluster_name;
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::{cidr, Inventory};

declare_rule! {
    /// ## What it checks
    /// Whether a stated service CIDR is larger than AKS allows (F-062): an IPv4
    /// range with a prefix shorter than /12 or an IPv6 range shorter than /108 is
    /// an error. Exactly /12 is a warning: the AKS docs say the range "must be
    /// smaller than /12", while upstream Kubernetes accepts a /12, and whether AKS
    /// does is not settled.
    ///
    /// ## Why it matters
    /// The API server allocates service IPs from a bitmap sized by the range;
    /// larger ranges are refused at create. A huge service range also takes
    /// address space that the VNet, peerings and on-premises networks can then
    /// never use (AKS105).
    ///
    /// ## How to fix
    /// Use a smaller range: a /16 holds 65,536 services, far more than a cluster
    /// runs. From Kubernetes 1.33 the range can be extended later with a
    /// `ServiceCIDR` object.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10" }
    /// ```
    /// instead of `"serviceCidr": "10.0.0.0/8"`.
    pub struct ServiceCidrTooLarge {
        code: "AKS108",
        name: "service-cidr-too-large",
        category: IpPlanning,
        severity: Error,
        summary: "The service CIDR is larger than /12 (IPv4) or /108 (IPv6)",
    }
}

impl Rule for ServiceCidrTooLarge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            for f in &cluster.network.service_cidrs {
                let (Some(net), Some(span)) = (f.known(), f.span()) else {
                    continue;
                };
                let p = net.prefix_len();
                let (severity, limit, text) = match net {
                    IpNet::V4(_) if p < 12 => (Severity::Error, "/12", "AKS requires an IPv4 service CIDR smaller than /12"),
                    IpNet::V4(_) if p == 12 => (
                        Severity::Warning,
                        "/12",
                        "the AKS docs require a range smaller than /12; a /12 itself may be refused",
                    ),
                    IpNet::V6(_) if p < 108 => (Severity::Error, "/108", "AKS allows an IPv6 service CIDR of at most /108"),
                    _ => continue,
                };
                let d = cx.report_at(
                    severity,
                    span,
                    format!(
                        "service CIDR {net} of `{}` has {} addresses: {text}",
                        cluster_name(cluster),
                        count(net)
                    ),
                    format!("prefix /{p}, limit {limit}"),
                );
                d.help = Some(match net {
                    IpNet::V4(_) => {
                        "use a /13 or smaller range; a /16 holds 65,536 services (F-062)".into()
                    }
                    IpNet::V6(_) => "use a /108 or smaller IPv6 range (F-062)".into(),
                });
                d.resource = Some(cluster.address.clone());
            }
        }
    }
}

fn count(net: &IpNet) -> String {
    let n = cidr::address_count(net);
    match i64::try_from(n) {
        Ok(v) => super::thousands(v),
        Err(_) => format!("2^{}", cidr::width(net) - net.prefix_len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, primary_text};

    fn run(svc: &str) -> Vec<(Severity, String)> {
        let net = format!(
            r#"{{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidrs":{svc}}}"#
        );
        let (src, d) = check(
            &ServiceCidrTooLarge,
            &[&cluster(&net, &[r#"{"name":"a"}"#.to_string()])],
        );
        d.iter()
            .map(|x| (x.severity, primary_text(&src, x).to_string()))
            .collect()
    }

    #[test]
    fn limits() {
        assert_eq!(
            run(r#"["10.0.0.0/8"]"#),
            vec![(Severity::Error, "\"10.0.0.0/8\"".to_string())]
        );
        assert_eq!(run(r#"["10.0.0.0/12"]"#)[0].0, Severity::Warning);
        assert!(run(r#"["10.0.0.0/13"]"#).is_empty());
        assert_eq!(run(r#"["10.0.0.0/16","fd00::/64"]"#).len(), 1);
        assert!(run(r#"["10.0.0.0/16","fd00::/108"]"#).is_empty());
    }
}
