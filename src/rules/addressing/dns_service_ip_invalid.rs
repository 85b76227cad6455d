use super::ranges::cluster_name;
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{cidr, Inventory};

declare_rule! {
    /// ## What it checks
    /// Whether `dnsServiceIP` lies inside the service CIDR of its family, and is
    /// neither the range's network address nor its first address (network + 1),
    /// which Kubernetes gives to the `kubernetes` API service (F-063). Both values
    /// must be stated: a `dnsServiceIP` next to a left-out service CIDR is not judged.
    ///
    /// ## Why it matters
    /// CoreDNS gets this address as a ClusterIP service. Outside the service CIDR
    /// the service cannot be created; on network + 1 it collides with the
    /// `kubernetes` service. AKS pre-checks the pair at create, so the deployment
    /// fails; in an exported configuration it shows a broken template.
    ///
    /// ## How to fix
    /// Use an address inside the service CIDR, by convention its .10: 10.0.0.10
    /// for 10.0.0.0/16.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "serviceCidr": "10.96.0.0/16", "dnsServiceIP": "10.96.0.10" }
    /// ```
    /// instead of `"dnsServiceIP": "10.0.0.10"`, left over from the default range.
    pub struct DnsServiceIpInvalid {
        code: "AKS107",
        name: "dns-service-ip-invalid",
        category: IpPlanning,
        severity: Error,
        summary: "dnsServiceIP is outside the service CIDR or is its network or first address",
    }
}

impl Rule for DnsServiceIpInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            let np = &cluster.network;
            let (Some(ip), Some(ip_span)) = (np.dns_service_ip.known(), np.dns_service_ip.span())
            else {
                continue;
            };
            if np.service_cidrs.is_empty() || np.service_cidrs.iter().any(|f| f.known().is_none()) {
                continue;
            }
            let same_family: Vec<_> = np
                .service_cidrs
                .iter()
                .filter_map(|f| Some((*f.known()?, f.span()?)))
                .filter(|(net, _)| cidr::width(net) == if ip.is_ipv4() { 32 } else { 128 })
                .collect();
            let Some(&(first_net, first_span)) = same_family.first() else {
                continue;
            };
            let inside = same_family
                .iter()
                .find_map(|(net, span)| Some((*net, *span, cidr::offset_of(net, *ip)?)));
            let (net, span, problem) = match inside {
                None => (first_net, first_span, format!("is outside the service CIDR {first_net}")),
                Some((net, span, 0)) => (net, span, format!("is the network address of {}", net.trunc())),
                Some((net, span, 1)) => (
                    net,
                    span,
                    format!("is the first address of {}, which Kubernetes gives to the `kubernetes` service", net.trunc()),
                ),
                Some(_) => continue,
            };
            let conventional =
                cidr::nth_address(&net, 10).map_or_else(String::new, |a| format!(" such as {a}"));
            let d = cx.report(
                ip_span,
                format!("dnsServiceIP {ip} of `{}` {problem}", cluster_name(cluster)),
                "dnsServiceIP",
            );
            d.labels.push(Label::new(span, "service CIDR"));
            d.help = Some(format!("set dnsServiceIP to an address inside {net} other than its first two{conventional} (F-063)"));
            d.resource = Some(cluster.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, primary_text};

    fn run(network: &str) -> Vec<String> {
        let (src, d) = check(
            &DnsServiceIpInvalid,
            &[&cluster(
                network,
                &[r#"{"name":"a","count":1}"#.to_string()],
            )],
        );
        d.iter()
            .map(|x| format!("{} @ {}", x.message, primary_text(&src, x)))
            .collect()
    }

    #[test]
    fn outside_network_and_first_address() {
        let d = run(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidr":"10.96.0.0/16","dnsServiceIP":"10.0.0.10"}"#,
        );
        assert_eq!(d.len(), 1);
        assert!(
            d[0].contains(
                "10.0.0.10 of `aks1` is outside the service CIDR 10.96.0.0/16 @ \"10.0.0.10\""
            ),
            "{}",
            d[0]
        );
        let d = run(
            r#"{"networkPlugin":"azure","serviceCidr":"10.96.0.0/16","dnsServiceIP":"10.96.0.1"}"#,
        );
        assert!(d[0].contains("first address of 10.96.0.0/16"), "{}", d[0]);
        let d = run(
            r#"{"networkPlugin":"azure","serviceCidr":"10.96.0.0/16","dnsServiceIP":"10.96.0.0"}"#,
        );
        assert!(d[0].contains("network address"), "{}", d[0]);
    }

    #[test]
    fn valid_or_unjudgeable_pairs_pass() {
        assert!(run(
            r#"{"networkPlugin":"azure","serviceCidr":"10.96.0.0/16","dnsServiceIP":"10.96.0.10"}"#
        )
        .is_empty());
        assert!(run(r#"{"networkPlugin":"azure","dnsServiceIP":"10.96.0.10"}"#).is_empty());
        assert!(run(r#"{"networkPlugin":"azure","serviceCidr":"[parameters('s')]","dnsServiceIP":"10.96.0.10"}"#).is_empty());
    }
}
