use super::*;
use crate::diagnostic::Diagnostic;
use crate::ingest::terraform::TfResource;
use crate::model::{Field, Inventory};
use crate::source::{SourceMap, Span};
use crate::syntax::{yaml, NodeKind};

/// Parses each text as one file of a multi-document YAML stream.
fn load(files: &[&str]) -> (SourceMap, Vec<Node>) {
    let mut sources = SourceMap::default();
    let mut docs = Vec::new();
    for (i, text) in files.iter().enumerate() {
        let id = sources.add(format!("f{i}.yaml"), text.to_string());
        docs.extend(yaml::parse(id, text).expect("test input is valid YAML"));
    }
    (sources, docs)
}

fn tf(files: &[&str]) -> (SourceMap, Vec<TfResource>) {
    let (sources, docs) = load(files);
    let refs: Vec<&Node> = docs.iter().collect();
    let resources = with_manifests(&refs, upjet::resources);
    (sources, resources)
}

fn inventory(files: &[&str]) -> (SourceMap, Inventory, usize) {
    let (sources, docs) = load(files);
    let refs: Vec<&Node> = docs.iter().collect();
    let mut b = InventoryBuilder::default();
    let n = ingest_manifests(&mut b, &refs);
    (sources, b.finish(), n)
}

fn check(files: &[&str]) -> (SourceMap, Vec<Diagnostic>) {
    let (sources, inv, _) = inventory(files);
    let diags = crate::rules::run(
        &inv,
        &crate::rules::testing::first_catalogue(),
        &crate::rules::Thresholds::default(),
    );
    (sources, diags)
}

/// As [`check`], keeping one rule's findings: the shared ASO samples leave the
/// service CIDR at its default 10.0.0.0/16, which AKS105 rightly reports.
fn check_only(code: &str, files: &[&str]) -> (SourceMap, Vec<Diagnostic>) {
    let (sources, diags) = check(files);
    (
        sources,
        diags.into_iter().filter(|d| d.code == code).collect(),
    )
}

fn slice(sources: &SourceMap, span: Span) -> &str {
    sources.get(span.file).slice(span)
}

/// Follows object keys; an array on the way stands for its first item.
fn at<'n>(node: &'n Node, path: &[&str]) -> &'n Node {
    let mut n = node;
    for key in path {
        if let Some(items) = n.as_array() {
            n = &items[0];
        }
        n = n.get(key).unwrap_or_else(|| panic!("no {key} in {n:?}"));
    }
    n
}

fn resource<'r>(rs: &'r [TfResource], address: &str) -> &'r TfResource {
    rs.iter().find(|r| r.address == address).unwrap_or_else(|| {
        panic!(
            "no {address} in {:?}",
            rs.iter().map(|r| &r.address).collect::<Vec<_>>()
        )
    })
}

fn has_ref(r: &TfResource, path: &str, target: &str) -> bool {
    r.refs.iter().any(|(p, t)| p == path && t == target)
}

const CLUSTER: &str = r#"
apiVersion: containerservice.azure.upbound.io/v1beta1
kind: KubernetesCluster
metadata:
  name: aks
  annotations:
    crossplane.io/external-name: aks-prod
spec:
  forProvider:
    kubernetesVersion: "1.30.3"
    resourceGroupNameRef:
      name: rg
    defaultNodePool:
      - name: system
        maxPods: 30
        osType: Linux
        vnetSubnetIdRef:
          name: nodes
    networkProfile:
      - networkPlugin: azure
        podCidr: 10.244.0.0/16
        dnsServiceIp: 10.0.0.10
    tags:
      CostCenter: A1
    servicePrincipal:
      clientSecretSecretRef:
        name: sp
        key: secret
"#;

const NETWORK: &str = r#"
apiVersion: azure.upbound.io/v1beta1
kind: ResourceGroup
metadata:
  name: rg
  annotations:
    crossplane.io/external-name: rg-aks
spec:
  forProvider:
    location: westeurope
---
apiVersion: network.azure.upbound.io/v1beta1
kind: Subnet
metadata:
  name: nodes
spec:
  forProvider:
    addressPrefixes: [10.240.0.0/22]
    resourceGroupNameRef: {name: rg}
    virtualNetworkNameSelector:
      matchLabels: {net: spoke}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: VirtualNetwork
metadata:
  name: spoke
  labels: {net: spoke}
spec:
  forProvider:
    addressSpace: [10.240.0.0/16]
    resourceGroupNameRef: {name: rg}
"#;

#[test]
fn recognises_manifests() {
    let (_, docs) =
        load(&["apiVersion: v1\nkind: Service\n---\nfoo: bar\n---\nkind: 3\napiVersion: x\n"]);
    let found: Vec<bool> = docs.iter().map(is_manifest).collect();
    assert_eq!(found, [true, false, false]);
}

#[test]
fn upjet_fields_become_terraform_fields_with_their_spans() {
    let (src, rs) = tf(&[CLUSTER, NETWORK]);
    assert_eq!(rs.len(), 4);
    let c = resource(&rs, "KubernetesCluster/aks");
    assert_eq!(c.resource_type, "azurerm_kubernetes_cluster");
    assert!(slice(&src, c.decl).starts_with("apiVersion: containerservice"));
    let v = &c.values;
    assert_eq!(slice(&src, at(v, &["name"]).span), "aks-prod");
    assert_eq!(
        slice(&src, at(v, &["kubernetes_version"]).span),
        "\"1.30.3\""
    );
    let pool = at(v, &["default_node_pool"]);
    assert!(pool.as_array().is_some(), "nested blocks stay arrays");
    assert_eq!(slice(&src, at(pool, &["max_pods"]).span), "30");
    assert_eq!(at(pool, &["os_type"]).as_str(), Some("Linux"));
    let np = at(v, &["network_profile"]);
    assert_eq!(at(np, &["network_plugin"]).as_str(), Some("azure"));
    assert_eq!(at(np, &["pod_cidr"]).as_str(), Some("10.244.0.0/16"));
    assert_eq!(slice(&src, at(np, &["dns_service_ip"]).span), "10.0.0.10");
    // Keys of maps are data, not field names.
    assert!(at(v, &["tags"]).get("CostCenter").is_some());
    // Keys keep their spans too.
    let e = v.entry("kubernetes_version").expect("entry");
    assert_eq!(slice(&src, e.key_span), "kubernetesVersion");
    // A secret reference is not a reference to another resource.
    assert!(at(v, &["service_principal", "client_secret_secret_ref"])
        .get("name")
        .is_some());
    assert!(c.refs.iter().all(|(p, _)| !p.contains("secret")));
}

#[test]
fn ref_by_name_across_files() {
    let (src, rs) = tf(&[CLUSTER, NETWORK]);
    let c = resource(&rs, "KubernetesCluster/aks");
    assert!(
        has_ref(c, "default_node_pool.vnet_subnet_id", "Subnet/nodes"),
        "{:?}",
        c.refs
    );
    assert!(has_ref(c, "resource_group_name", "ResourceGroup/rg"));
    // The id is known only once Crossplane resolves it; the span is the reference's.
    let id = at(&c.values, &["default_node_pool", "vnet_subnet_id"]);
    assert!(id.is_unknown());
    assert_eq!(slice(&src, id.span), "name: nodes");
    // A name reference stands for the target's Azure name.
    let rg = at(&c.values, &["resource_group_name"]);
    assert_eq!(rg.as_str(), Some("rg-aks"));
    assert_eq!(slice(&src, rg.span), "name: rg");
}

#[test]
fn selector_by_labels_resolves_exactly_one_match() {
    let (_, rs) = tf(&[NETWORK]);
    let s = resource(&rs, "Subnet/nodes");
    assert!(has_ref(s, "virtual_network_name", "VirtualNetwork/spoke"));
    assert_eq!(
        at(&s.values, &["virtual_network_name"]).as_str(),
        Some("spoke")
    );

    // Two VNets carry the label: the selector is ambiguous and stays unresolved.
    let second = "apiVersion: network.azure.upbound.io/v1beta1\nkind: VirtualNetwork\nmetadata:\n  name: other\n  labels: {net: spoke}\n";
    let (_, rs) = tf(&[NETWORK, second]);
    let s = resource(&rs, "Subnet/nodes");
    assert!(s.refs.iter().all(|(p, _)| p != "virtual_network_name"));
    assert!(at(&s.values, &["virtual_network_name"]).is_unknown());

    // No VNet carries it: unresolved, and the value is still given (unknown).
    let lone = NETWORK.replace(
        "net: spoke}\nspec:\n  forProvider:\n    addressSpace",
        "net: hub}\nspec:\n  forProvider:\n    addressSpace",
    );
    let (_, rs) = tf(&[&lone]);
    let s = resource(&rs, "Subnet/nodes");
    assert!(at(&s.values, &["virtual_network_name"]).is_unknown());
    assert!(s.refs.iter().all(|(p, _)| p != "virtual_network_name"));
}

#[test]
fn literal_value_wins_over_reference() {
    let doc = r#"
apiVersion: containerservice.azure.upbound.io/v1beta2
kind: KubernetesCluster
metadata: {name: aks}
spec:
  forProvider:
    defaultNodePool:
      name: sys
      vnetSubnetId: /subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s
      vnetSubnetIdRef: {name: nodes}
      podSubnetIdSelector: {matchLabels: {a: b}}
"#;
    let (_, rs) = tf(&[doc, NETWORK]);
    let c = resource(&rs, "KubernetesCluster/aks");
    let pool = at(&c.values, &["default_node_pool"]);
    assert!(pool.as_object().is_some(), "v1beta2 blocks are objects");
    assert!(at(pool, &["vnet_subnet_id"])
        .as_str()
        .is_some_and(|s| s.ends_with("/subnets/s")));
    assert!(c.refs.is_empty(), "{:?}", c.refs);
    // An unresolved selector still says the field is set.
    assert!(at(pool, &["pod_subnet_id"]).is_unknown());
}

#[test]
fn init_provider_fills_in_what_for_provider_leaves_out() {
    let doc = r#"
apiVersion: containerservice.azure.upbound.io/v1beta2
kind: KubernetesCluster
metadata: {name: aks}
spec:
  forProvider:
    kubernetesVersion: "1.31.5"
  initProvider:
    kubernetesVersion: "1.30.0"
    defaultNodePool:
      name: sys
      nodeCount: 3
      vnetSubnetIdRef: {name: nodes}
"#;
    let (src, rs) = tf(&[doc, NETWORK]);
    let c = resource(&rs, "KubernetesCluster/aks");
    assert_eq!(
        slice(&src, at(&c.values, &["kubernetes_version"]).span),
        "\"1.31.5\""
    );
    assert_eq!(
        at(&c.values, &["default_node_pool", "node_count"]).as_i64(),
        Some(3)
    );
    assert!(has_ref(
        c,
        "default_node_pool.vnet_subnet_id",
        "Subnet/nodes"
    ));
}

#[test]
fn plural_refs_list_every_target() {
    let doc = r#"
apiVersion: network.azure.upbound.io/v1beta1
kind: NATGatewayPublicIPAssociation
metadata: {name: assoc}
spec:
  forProvider:
    natGatewayIdRef: {name: gw}
    publicIpAddressIdsRefs: [{name: ip1}, {name: ip2}, {name: absent}]
---
apiVersion: network.azure.upbound.io/v1beta1
kind: NATGateway
metadata: {name: gw}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: PublicIP
metadata: {name: ip1}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: PublicIP
metadata: {name: ip2}
"#;
    let (_, rs) = tf(&[doc]);
    let a = resource(&rs, "NATGatewayPublicIPAssociation/assoc");
    assert_eq!(a.resource_type, "azurerm_nat_gateway_public_ip_association");
    assert!(has_ref(a, "nat_gateway_id", "NATGateway/gw"));
    assert!(has_ref(a, "public_ip_address_ids", "PublicIP/ip1"));
    assert!(has_ref(a, "public_ip_address_ids", "PublicIP/ip2"));
    assert_eq!(a.refs.len(), 3);
    assert_eq!(
        resource(&rs, "NATGateway/gw").resource_type,
        "azurerm_nat_gateway"
    );
}

#[test]
fn kubectl_lists_are_read_item_by_item() {
    let list = r#"
apiVersion: v1
kind: List
items:
- apiVersion: network.azure.com/v1api20201101
  kind: VirtualNetworksSubnet
  metadata: {name: nodes, namespace: default}
  spec:
    owner: {name: vnet}
    addressPrefix: 10.0.0.0/22
- apiVersion: containerservice.azure.com/v1api20240901
  kind: ManagedCluster
  metadata: {name: aks, namespace: default}
  spec:
    owner: {name: aso-rg}
    agentPoolProfiles:
    - name: sys
      vnetSubnetReference: {group: network.azure.com, kind: VirtualNetworksSubnet, name: nodes}
  status: {provisioningState: Succeeded}
"#;
    let (_, inv, n) = inventory(&[list]);
    assert_eq!(n, 2);
    assert_eq!(inv.pools[0].subnet, Some(0));
}

#[test]
fn observed_only_resources_say_nothing_about_azure() {
    let observed = NETWORK.replace(
        "kind: Subnet\nmetadata:\n  name: nodes\nspec:\n",
        "kind: Subnet\nmetadata:\n  name: nodes\nspec:\n  managementPolicies: [Observe]\n",
    );
    let (_, rs) = tf(&[CLUSTER, &observed]);
    assert!(rs.iter().all(|r| r.address != "Subnet/nodes"));
    let c = resource(&rs, "KubernetesCluster/aks");
    // The subnet exists in Azure, so the pool's subnet is given, but unknown.
    assert!(at(&c.values, &["default_node_pool", "vnet_subnet_id"]).is_unknown());
    assert!(c
        .refs
        .iter()
        .all(|(p, _)| p != "default_node_pool.vnet_subnet_id"));

    let skipped = ASO_NET.replace(
        "  name: nodes\n",
        "  name: nodes\n  annotations:\n    serviceoperator.azure.com/reconcile-policy: skip\n",
    );
    let (_, inv, n) = inventory(&[ASO_RG, &skipped, ASO_CLUSTER]);
    assert_eq!(n, 3);
    assert!(inv.subnets.is_empty());
    assert!(inv.pools[0].vnet_subnet_id.known().is_some());
    let all_policies = NETWORK.replace(
        "spec:\n  forProvider:\n    addressPrefixes",
        "spec:\n  managementPolicies: ['*']\n  forProvider:\n    addressPrefixes",
    );
    let (_, rs) = tf(&[&all_policies]);
    assert!(rs.iter().any(|r| r.address == "Subnet/nodes"));
}

#[test]
fn nsg_reference_finds_security_group_and_associations_map() {
    let doc = r#"
apiVersion: network.azure.upbound.io/v1beta1
kind: SubnetNetworkSecurityGroupAssociation
metadata: {name: assoc}
spec:
  forProvider:
    subnetIdRef: {name: nodes}
    networkSecurityGroupIdRef: {name: nsg}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: SecurityGroup
metadata: {name: nsg}
spec:
  forProvider: {location: westeurope}
"#;
    let (_, rs) = tf(&[doc, NETWORK]);
    let a = resource(&rs, "SubnetNetworkSecurityGroupAssociation/assoc");
    assert_eq!(
        a.resource_type,
        "azurerm_subnet_network_security_group_association"
    );
    assert!(has_ref(a, "subnet_id", "Subnet/nodes"));
    assert!(has_ref(a, "network_security_group_id", "SecurityGroup/nsg"));
    assert_eq!(
        resource(&rs, "SecurityGroup/nsg").resource_type,
        "azurerm_network_security_group"
    );
}

#[test]
fn repeated_names_get_unique_addresses_and_references_stay_in_their_file() {
    let subnet = "apiVersion: network.azure.upbound.io/v1beta2\nkind: Subnet\nmetadata: {name: example}\nspec:\n  forProvider: {addressPrefixes: [10.0.2.0/24]}\n";
    let assoc = format!(
        "{subnet}---\napiVersion: network.azure.upbound.io/v1beta1\nkind: SubnetRouteTableAssociation\nmetadata: {{name: example}}\nspec:\n  forProvider:\n    subnetIdRef: {{name: example}}\n"
    );
    let (_, rs) = tf(&[subnet, &assoc]);
    let addresses: Vec<&str> = rs.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "Subnet/example",
            "Subnet/example#2",
            "SubnetRouteTableAssociation/example"
        ]
    );
    let a = resource(&rs, "SubnetRouteTableAssociation/example");
    assert!(has_ref(a, "subnet_id", "Subnet/example#2"), "{:?}", a.refs);
}

#[test]
fn composition_bases_are_read_with_patched_fields_unknown() {
    let comp = r#"
apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: {name: xaks}
spec:
  mode: Pipeline
  pipeline:
    - step: pt
      input:
        apiVersion: pt.fn.crossplane.io/v1beta1
        kind: Resources
        patchSets:
          - name: common
            patches:
              - fromFieldPath: spec.parameters.version
                toFieldPath: spec.forProvider.kubernetesVersion
        resources:
          - name: cluster
            base:
              apiVersion: containerservice.azure.upbound.io/v1beta2
              kind: KubernetesCluster
              spec:
                forProvider:
                  defaultNodePool: {name: default}
            patches:
              - type: PatchSet
                patchSetName: common
              - fromFieldPath: spec.parameters.id
                toFieldPath: spec.forProvider.defaultNodePool.vnetSubnetIdSelector.matchLabels[azure.platform.upbound.io/network-id]
              - type: ToCompositeFieldPath
                fromFieldPath: status.atProvider.oidcIssuerUrl
                toFieldPath: spec.forProvider.oidcIssuerUrl
          - name: vnet
            base:
              apiVersion: network.azure.upbound.io/v1beta2
              kind: VirtualNetwork
              spec:
                forProvider: {addressSpace: [192.168.0.0/16]}
          - name: subnet
            base:
              apiVersion: network.azure.upbound.io/v1beta2
              kind: Subnet
              spec:
                forProvider:
                  addressPrefixes: [192.168.1.0/24]
                  virtualNetworkNameSelector: {matchControllerRef: true}
          - name: settings
            base:
              apiVersion: kubernetes.crossplane.io/v1alpha1
              kind: Object
              spec: {forProvider: {manifest: {kind: ConfigMap}}}
"#;
    let (src, rs) = tf(&[comp]);
    let addresses: Vec<&str> = rs.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "KubernetesCluster/xaks.cluster",
            "VirtualNetwork/xaks.vnet",
            "Subnet/xaks.subnet"
        ]
    );
    let c = &rs[0];
    assert!(at(&c.values, &["name"]).is_unknown());
    let version = at(&c.values, &["kubernetes_version"]);
    assert!(version.is_unknown());
    assert_eq!(
        slice(&src, version.span),
        "spec.forProvider.kubernetesVersion"
    );
    // The patched selector makes the subnet unknown, not absent.
    assert!(at(&c.values, &["default_node_pool", "vnet_subnet_id"]).is_unknown());
    assert!(c.refs.is_empty());
    assert!(c.values.get("oidc_issuer_url").is_none());
    let s = &rs[2];
    assert!(
        has_ref(s, "virtual_network_name", "VirtualNetwork/xaks.vnet"),
        "{:?}",
        s.refs
    );
    assert!(at(&s.values, &["virtual_network_name"]).is_unknown());
}

#[test]
fn other_kinds_are_skipped_quietly() {
    let docs = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\napiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nmetadata: {name: c}\nspec: {resources: [{base: {apiVersion: s3.aws.upbound.io/v1beta1, kind: Bucket}}]}\n";
    let (_, inv, n) = inventory(&[docs]);
    assert_eq!(n, 0);
    assert_eq!(inv.resource_count(), 0);
}

#[test]
fn odd_shapes_do_not_panic() {
    let docs = [
        "apiVersion: network.azure.upbound.io/v1beta1\nkind: Subnet\n",
        "apiVersion: network.azure.upbound.io/v1beta1\nkind: Subnet\nmetadata: 3\nspec: [1]\n",
        "apiVersion: network.azure.upbound.io/v1beta1\nkind: Subnet\nspec: {forProvider: [a]}\n",
        "apiVersion: network.azure.upbound.io/v1beta1\nkind: Subnet\nspec: {forProvider: {virtualNetworkNameRef: 3, subnetIdRefs: [1, {name: 2}], xSelector: {matchLabels: [1]}}}\n",
        "apiVersion: network.azure.com/v1api20201101\nkind: VirtualNetworksSubnet\nspec: {owner: 7, networkSecurityGroup: {reference: 1}, vnetSubnetReference: {}}\n",
        "apiVersion: network.azure.com/v1\nkind: VirtualNetworksSubnet\nmetadata: {name: a}\nspec: {owner: {name: a}}\n",
        "apiVersion: compute.azure.crossplane.io/v1alpha3\nkind: AKSCluster\nspec: {vnetSubnetIDRef: {}, vnetSubnetIDSelector: 3}\n",
        "apiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nspec:\n  resources:\n  - base: {apiVersion: network.azure.upbound.io/v1beta1, kind: Subnet}\n    patches:\n    - toFieldPath: ''\n    - toFieldPath: a[9999999999999999999999].b\n    - toFieldPath: metadata.name[3]\n    - {type: PatchSet, patchSetName: x}\n    - 5\n  patchSets:\n  - name: x\n    patches: [{type: PatchSet, patchSetName: x}]\n",
        "apiVersion: infrastructure.cluster.x-k8s.io/v1beta1\nkind: AzureASOManagedControlPlane\nspec: {resources: [1, {apiVersion: containerservice.azure.com/v1, kind: ManagedCluster}]}\n",
    ];
    for d in docs {
        let (_, _, n) = inventory(&[d]);
        assert!(n <= 2, "{d}");
    }
}

// ---- ASO ----

const ASO_RG: &str = r#"
apiVersion: resources.azure.com/v1api20200601
kind: ResourceGroup
metadata:
  name: aso-rg
spec:
  azureName: rg-aks
  location: westeurope
"#;

const ASO_NET: &str = r#"
apiVersion: network.azure.com/v1api20201101
kind: VirtualNetwork
metadata:
  name: vnet
spec:
  owner: {name: aso-rg}
  location: westeurope
  addressSpace:
    addressPrefixes: [10.0.0.0/16]
---
apiVersion: network.azure.com/v1api20201101
kind: VirtualNetworksSubnet
metadata:
  name: nodes
spec:
  owner: {name: vnet}
  addressPrefix: 10.0.0.0/22
"#;

const ASO_CLUSTER: &str = r#"
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedCluster
metadata:
  name: aks
spec:
  owner: {name: aso-rg}
  location: westeurope
  kubernetesVersion: 1.30.3
  networkProfile:
    networkPlugin: azure
  agentPoolProfiles:
    - name: sys
      count: 3
      mode: System
      vnetSubnetReference:
        group: network.azure.com
        kind: VirtualNetworksSubnet
        name: nodes
"#;

#[test]
fn aso_ids_follow_owner_chains() {
    let (_, inv, n) = inventory(&[ASO_RG, ASO_NET, ASO_CLUSTER]);
    assert_eq!(n, 4);
    let sub = "/subscriptions/{subscriptionId}/resourceGroups/rg-aks/providers";
    let cluster = &inv.clusters[0];
    assert_eq!(
        cluster.id.as_ref().map(|i| i.as_str()),
        Some(format!("{sub}/Microsoft.ContainerService/managedClusters/aks").as_str())
    );
    let subnet = &inv.subnets[0];
    assert_eq!(
        subnet.id.as_ref().map(|i| i.as_str()),
        Some(format!("{sub}/Microsoft.Network/virtualNetworks/vnet/subnets/nodes").as_str())
    );
    assert_eq!(subnet.vnet, Some(0));
    // The pool's reference is the subnet's id, so they link.
    assert_eq!(inv.pools[0].subnet, Some(0));
}

#[test]
fn aso_owner_missing_gives_placeholders() {
    let (_, inv, _) = inventory(&[ASO_NET, ASO_CLUSTER]);
    let id = inv.clusters[0].id.as_ref().map(|i| i.as_str().to_string());
    assert_eq!(
        id.as_deref(),
        Some("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks")
    );
    assert_eq!(inv.pools[0].subnet, Some(0));
}

#[test]
fn aso_node_subnet_without_nsg_points_at_the_subnet_name() {
    let (src, diags) = check_only("AKS001", &[ASO_RG, ASO_NET, ASO_CLUSTER]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "AKS001");
    assert_eq!(slice(&src, diags[0].primary.span), "nodes");
    // The secondary label is on the pool's reference.
    assert_eq!(slice(&src, diags[0].labels[0].span), "nodes");
    assert_eq!(diags[0].labels[0].span.file.0, 2);
}

#[test]
fn aso_nsg_by_reference_and_by_arm_id() {
    let nsg = "apiVersion: network.azure.com/v1api20201101\nkind: NetworkSecurityGroup\nmetadata: {name: nsg}\nspec: {owner: {name: aso-rg}}\n";
    let by_ref = ASO_NET.replace(
        "  addressPrefix: 10.0.0.0/22\n",
        "  addressPrefix: 10.0.0.0/22\n  networkSecurityGroup:\n    reference: {group: network.azure.com, kind: NetworkSecurityGroup, name: nsg}\n",
    );
    let (_, inv, _) = inventory(&[ASO_RG, &by_ref, nsg, ASO_CLUSTER]);
    assert_eq!(inv.subnets[0].nsg, Some(0));
    let (_, diags) = check_only("AKS001", &[ASO_RG, &by_ref, nsg, ASO_CLUSTER]);
    assert!(diags.is_empty(), "{diags:#?}");

    let by_id = ASO_NET.replace(
        "  addressPrefix: 10.0.0.0/22\n",
        "  addressPrefix: 10.0.0.0/22\n  networkSecurityGroup:\n    reference:\n      armId: /subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg\n",
    );
    let (src, inv, _) = inventory(&[ASO_RG, &by_id, ASO_CLUSTER]);
    let Field::Known(id, span) = &inv.subnets[0].nsg_id else {
        panic!("{:?}", inv.subnets[0].nsg_id);
    };
    assert_eq!(id.name(), "nsg");
    assert!(slice(&src, *span).starts_with("/subscriptions/0/"));
}

#[test]
fn aso_references_in_lists_become_ids() {
    let peering = r#"
apiVersion: network.azure.com/v1api20201101
kind: VirtualNetworksVirtualNetworkPeering
metadata: {name: to-hub}
spec:
  owner: {name: vnet}
  remoteVirtualNetwork:
    reference: {group: network.azure.com, kind: VirtualNetwork, name: vnet}
  remoteAddressSpace:
    addressPrefixes: [10.0.0.0/16]
---
apiVersion: network.azure.com/v1api20220701
kind: NatGateway
metadata: {name: gw}
spec:
  owner: {name: aso-rg}
  publicIpAddresses:
  - reference: {group: network.azure.com, kind: PublicIPAddress, name: ip}
"#;
    let (_, inv, n) = inventory(&[ASO_RG, ASO_NET, peering]);
    assert_eq!(n, 5);
    let peer = &inv.vnets[0].peerings[0];
    let remote = peer.remote_vnet_id.known().map(|i| i.as_str().to_string());
    assert_eq!(
        remote.as_deref(),
        Some("/subscriptions/{subscriptionId}/resourceGroups/rg-aks/providers/Microsoft.Network/virtualNetworks/vnet")
    );
    // A list item's reference is rewritten like a field's.
    let (_, docs) = load(&[ASO_RG, peering]);
    let refs: Vec<&Node> = docs.iter().collect();
    let ip = with_manifests(&refs, |all| {
        let gw = all
            .iter()
            .position(|m| m.kind == "NatGateway")
            .expect("gateway");
        aso::arm_node(all, gw)
    });
    let item = at(&ip, &["publicIpAddresses"]);
    assert!(at(item, &["id"]).is_unknown(), "{item:?}");
    assert!(item.get("reference").is_none());
}

#[test]
fn aso_reference_to_an_absent_object_is_unknown() {
    let (_, inv, _) = inventory(&[ASO_CLUSTER]);
    assert!(inv.pools[0].vnet_subnet_id.is_unknown());
    let (_, diags) = check(&[ASO_CLUSTER]);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn aso_separate_agent_pool_joins_its_cluster() {
    let pool = "apiVersion: containerservice.azure.com/v20250801\nkind: ManagedClustersAgentPool\nmetadata: {name: k8s-pool}\nspec:\n  owner: {name: aks}\n  azureName: win\n  osType: Windows\n  count: 1\n";
    let (src, inv, n) = inventory(&[ASO_RG, ASO_CLUSTER, pool]);
    assert_eq!(n, 3);
    let ci = 0;
    let names: Vec<&str> = inv
        .cluster_pools(ci)
        .filter_map(|(_, p)| p.name.known().map(String::as_str))
        .collect();
    assert_eq!(names, ["sys", "win"]);
    let win = &inv.pools[1];
    assert_eq!(slice(&src, win.name.span().expect("name span")), "win");
}

#[test]
fn capz_embedded_aso_resources_are_read() {
    let capz = r#"
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureASOManagedControlPlane
metadata: {name: c}
spec:
  resources:
  - apiVersion: containerservice.azure.com/v1api20240901
    kind: ManagedCluster
    metadata: {name: "${CLUSTER_NAME}"}
    spec:
      owner: {name: "${CLUSTER_NAME}"}
      location: ${AZURE_LOCATION}
      networkProfile: {networkPlugin: azure}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureASOManagedCluster
metadata: {name: c}
spec:
  resources:
  - apiVersion: resources.azure.com/v1api20200601
    kind: ResourceGroup
    metadata: {name: "${CLUSTER_NAME}"}
"#;
    let (_, inv, n) = inventory(&[capz]);
    assert_eq!(n, 2);
    let c = &inv.clusters[0];
    assert!(c.location.is_unknown(), "template placeholders are unknown");
    assert!(c.name.is_unknown());
    assert_eq!(
        c.id.as_ref().and_then(|i| i.resource_group()),
        Some("${CLUSTER_NAME}")
    );
}

const CAPZ: &str = r#"
apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {name: demo}
spec:
  clusterNetwork:
    services: {cidrBlocks: [10.0.0.0/16]}
  controlPlaneRef: {kind: AzureManagedControlPlane, name: demo-cp}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureManagedControlPlane
metadata: {name: demo-cp}
spec:
  version: v1.31.5
  location: westeurope
  resourceGroupName: rg-demo
  networkPlugin: azure
  virtualNetwork:
    name: vnet-demo
    cidrBlock: 10.240.0.0/16
    subnet:
      name: snet-nodes
      cidrBlock: 10.240.0.0/24
---
apiVersion: cluster.x-k8s.io/v1beta1
kind: MachinePool
metadata: {name: demo-pool0}
spec:
  clusterName: demo
  replicas: 10
  template:
    spec:
      infrastructureRef: {kind: AzureManagedMachinePool, name: demo-pool0}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureManagedMachinePool
metadata: {name: demo-pool0}
spec:
  mode: System
  name: pool0
  sku: Standard_D4s_v5
  maxPods: 30
"#;

#[test]
fn capz_control_plane_and_machine_pools_are_mapped() {
    let (src, inv, n) = inventory(&[CAPZ]);
    assert_eq!(n, 4);
    let c = &inv.clusters[0];
    assert_eq!(
        c.id.as_ref().map(|i| i.as_str()),
        Some("/subscriptions/{subscriptionId}/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/demo-cp")
    );
    assert_eq!(c.network.service_cidrs.len(), 1);
    let (_, pool) = inv
        .cluster_pools(0)
        .next()
        .expect("the pool joins its control plane");
    assert_eq!(pool.name.known().map(String::as_str), Some("pool0"));
    assert_eq!(pool.count.known(), Some(&10));
    let si = pool
        .subnet
        .expect("the pool is in the control plane's subnet");
    assert_eq!(inv.subnets[si].vnet, Some(0));
    // (10 + 1) × 31 = 341 > 251; the subnet's NSG cannot be known, so AKS001 is silent.
    let diags = crate::rules::run(
        &inv,
        &crate::rules::testing::first_catalogue(),
        &crate::rules::Thresholds::default(),
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "AKS004");
    assert_eq!(slice(&src, diags[0].primary.span), "10.240.0.0/24");
}

#[test]
fn capz_defaults_fill_the_network() {
    let text = CAPZ.replace(
        "  virtualNetwork:\n    name: vnet-demo\n    cidrBlock: 10.240.0.0/16\n    subnet:\n      name: snet-nodes\n      cidrBlock: 10.240.0.0/24\n",
        "  networkPluginMode: overlay\n",
    );
    let (_, inv, _) = inventory(&[&text]);
    let subnet = &inv.subnets[0];
    assert_eq!(subnet.name.known().map(String::as_str), Some("demo-cp"));
    let prefix = subnet.address_prefixes[0].known().map(ToString::to_string);
    assert_eq!(prefix.as_deref(), Some("10.224.0.0/16"));
    assert!(inv.pools[0].subnet.is_some());
}

// ---- classic Crossplane ----

#[test]
fn classic_aks_cluster_uses_azure_cni_in_its_subnet() {
    let text = r#"
apiVersion: compute.azure.crossplane.io/v1alpha3
kind: AKSCluster
metadata: {name: aks}
spec:
  resourceGroupNameRef: {name: example-rg}
  vnetSubnetIDRef: {name: example-sub}
  version: "1.19.11"
  nodeCount: 1
---
apiVersion: network.azure.crossplane.io/v1alpha3
kind: Subnet
metadata: {name: example-sub}
spec:
  resourceGroupNameRef: {name: example-rg}
  virtualNetworkNameRef: {name: example-vn}
  properties:
    addressPrefix: 10.2.0.0/24
---
apiVersion: network.azure.crossplane.io/v1alpha3
kind: VirtualNetwork
metadata: {name: example-vn}
spec:
  resourceGroupName: rg-net
  properties:
    addressSpace: {addressPrefixes: [10.2.0.0/16]}
"#;
    let (src, inv, n) = inventory(&[text]);
    assert_eq!(n, 3);
    let c = &inv.clusters[0];
    assert_eq!(c.network.plugin.known().map(|p| p.as_str()), Some("azure"));
    let pool = &inv.pools[0];
    assert_eq!(pool.name.known().map(String::as_str), Some("agentpool"));
    let si = pool.subnet.expect("pool placed in the subnet");
    assert_eq!(slice(&src, inv.subnets[si].prefix_span()), "10.2.0.0/24");
    // The subnet's id names the VNet's Azure name, so the VNet links only
    // when the resource groups agree; here the subnet's group is unknown.
    assert!(inv.subnets[si]
        .id
        .as_ref()
        .is_some_and(|i| i.as_str().contains("{resourceGroup}")));
}

// ---- fixtures ----

fn fixture(family: &str, rule: &str, outcome: &str) -> String {
    let path = format!(
        "{}/fixtures/{rule}/{outcome}/{family}/manifests.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rules AKS001–AKS004, whose fixtures have an ASO and a Crossplane case.
const FIXTURE_RULES: [&str; 4] = ["AKS001", "AKS002", "AKS003", "AKS004"];

/// (rule, line, column) of each failing fixture's primary span, as its
/// expectation file beside it lists them: `AKS001 aso/manifests.yaml:32:14 "…"`.
fn listed_positions(family: &str) -> Vec<(String, usize, usize)> {
    FIXTURE_RULES
        .iter()
        .flat_map(|rule| {
            let path = format!(
                "{}/fixtures/{rule}/fail/{family}.expect",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| {
                    let mut words = l.split_whitespace();
                    let code = words.next().unwrap_or_default().to_string();
                    let location = words.next().unwrap_or_default();
                    let mut parts = location.rsplitn(3, ':');
                    let mut number = || -> usize {
                        let n = parts.next().and_then(|n| n.parse().ok());
                        n.unwrap_or_else(|| panic!("{path}: `{l}`"))
                    };
                    let column = number();
                    let line = number();
                    (code, line, column)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn line_col(sources: &SourceMap, span: Span) -> (usize, usize) {
    let lc = sources.get(span.file).line_col(span.start as usize);
    (lc.line, lc.column)
}

fn rules_on_fixtures(family: &str) {
    let listed = listed_positions(family);
    assert_eq!(listed.len(), 4, "{family}");
    for (rule, line, column) in listed {
        // Each case selects the rule under test: a kubenet fixture also draws AKS205.
        let (src, mut diags) = check(&[&fixture(family, &rule, "fail")]);
        diags.retain(|d| d.code == rule);
        assert_eq!(diags.len(), 1, "{family} {rule}: {diags:#?}");
        assert_eq!(diags[0].code, rule);
        assert_eq!(
            line_col(&src, diags[0].primary.span),
            (line, column),
            "{family} {rule}"
        );
        let (_, inv, n) = inventory(&[&fixture(family, &rule, "pass")]);
        assert!(n > 0);
        let selected: Vec<_> = crate::rules::find(&rule).into_iter().collect();
        let diags = crate::rules::run(&inv, &selected, &crate::rules::Thresholds::default());
        assert!(diags.is_empty(), "{family} {rule} pass: {diags:#?}");
    }
}

#[test]
fn aso_fixtures_fail_at_the_listed_place_and_pass() {
    rules_on_fixtures("aso");
}

#[test]
fn crossplane_fixtures_fail_at_the_listed_place_and_pass() {
    rules_on_fixtures("crossplane");
}

/// The field each rule's primary span is on, in Terraform's shape.
const PRIMARY_FIELD: [(&str, &str, &[&str]); 4] = [
    ("AKS001", "Subnet/snet-aks-nodes", &["name"]),
    (
        "AKS002",
        "KubernetesClusterNodePool/aks-win-npwin",
        &["os_type"],
    ),
    (
        "AKS003",
        "KubernetesCluster/aks-udr",
        &["network_profile", "outbound_type"],
    ),
    ("AKS004", "Subnet/snet-aks-nodes", &["address_prefixes"]),
];

#[test]
fn crossplane_fixtures_carry_the_primary_field_at_the_listed_place() {
    let listed = listed_positions("crossplane");
    assert_eq!(listed.len(), 4);
    for (rule, line, column) in listed {
        let (_, address, path) = PRIMARY_FIELD
            .iter()
            .find(|f| f.0 == rule)
            .expect("a field per rule");
        let (src, rs) = tf(&[&fixture("crossplane", &rule, "fail")]);
        let node = at(&resource(&rs, address).values, path);
        let node = node.as_array().map_or(node, |items| &items[0]);
        assert_eq!(line_col(&src, node.span), (line, column), "{rule}");
    }
}

fn unknown_paths(node: &Node, prefix: &str, out: &mut Vec<String>) {
    match &node.kind {
        NodeKind::Unknown(_) => out.push(prefix.to_string()),
        NodeKind::Array(items) => items.iter().for_each(|i| unknown_paths(i, prefix, out)),
        NodeKind::Object(entries) => {
            for e in entries {
                let path = if prefix.is_empty() {
                    e.key.clone()
                } else {
                    format!("{prefix}.{}", e.key)
                };
                unknown_paths(&e.value, &path, out);
            }
        }
        _ => {}
    }
}

#[test]
fn crossplane_fixtures_resolve_every_reference() {
    for rule in ["AKS001", "AKS002", "AKS003", "AKS004"] {
        for outcome in ["fail", "pass"] {
            let (_, rs) = tf(&[&fixture("crossplane", rule, outcome)]);
            for r in &rs {
                let mut unknown = Vec::new();
                unknown_paths(&r.values, "", &mut unknown);
                for path in unknown {
                    assert!(
                        r.refs.iter().any(|(p, _)| *p == path),
                        "{rule}/{outcome} {}: {path} unresolved",
                        r.address
                    );
                }
            }
        }
    }
}

// ---- the shared corpus ----

fn corpus() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_manifests_are_read_without_panic() {
    let Some(root) = corpus() else {
        eprintln!("corpus not found beside the checkout; skipped");
        return;
    };
    // (folder, Azure resources read)
    let expected = [
        ("aso-v2", 13),
        ("capz", 9),
        ("crossplane-configurations", 4),
        ("crossplane-provider-azure-classic", 3),
        ("crossplane-upjet-azure", 42),
    ];
    for (folder, count) in expected {
        let mut files = Vec::new();
        yaml_files(&root.join(folder), &mut files);
        assert!(!files.is_empty(), "{folder}");
        let texts: Vec<String> = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("corpus file is readable"))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (_, inv, n) = inventory(&texts);
        assert_eq!(n, count, "{folder}");
        if folder == "aso-v2" {
            // Separate agent pools join their clusters through `owner`.
            assert_eq!(inv.clusters.len(), 3);
            assert!(inv.pools.iter().all(|p| p.cluster.is_some()));
            assert_eq!(inv.pools.len(), 5);
            assert!(inv.subnets.iter().all(|s| s.vnet.is_some()));
        }
        assert!(inv.is_linked());
        let _ = crate::rules::run(
            &inv,
            &crate::rules::testing::first_catalogue(),
            &crate::rules::Thresholds::default(),
        );
    }
}

#[test]
fn many_manifests_resolve_through_the_index() {
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "apiVersion: network.azure.upbound.io/v1beta2\nkind: Subnet\nmetadata: {{name: s{i}, labels: {{n: \"{i}\"}}}}\nspec: {{forProvider: {{addressPrefixes: [10.0.0.0/24]}}}}\n---\napiVersion: network.azure.upbound.io/v1beta1\nkind: SubnetRouteTableAssociation\nmetadata: {{name: a{i}}}\nspec: {{forProvider: {{subnetIdRef: {{name: s{i}}}, routeTableIdSelector: {{matchLabels: {{n: \"{i}\"}}}}}}}}\n---\n"
        ));
    }
    let started = std::time::Instant::now();
    let (_, rs) = tf(&[&text]);
    eprintln!("{} resources in {:?}", rs.len(), started.elapsed());
    assert_eq!(rs.len(), 6000);
    assert!(rs.iter().filter(|r| r.refs.len() == 1).count() == 3000);
}

mod props {
    use super::*;
    use crate::syntax::{Entry, Number};
    use proptest::prelude::*;

    const KEYS: &[&str] = &[
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "labels",
        "annotations",
        "crossplane.io/external-name",
        "spec",
        "forProvider",
        "initProvider",
        "owner",
        "azureName",
        "armId",
        "reference",
        "group",
        "vnetSubnetReference",
        "vnetSubnetIdRef",
        "subnetIdSelector",
        "publicIpAddressIdsRefs",
        "matchLabels",
        "matchControllerRef",
        "defaultNodePool",
        "networkProfile",
        "agentPoolProfiles",
        "addressPrefix",
        "resources",
        "base",
        "patches",
        "toFieldPath",
        "fromFieldPath",
        "type",
        "patchSetName",
        "patchSets",
        "pipeline",
        "input",
        "items",
        "virtualNetwork",
        "subnet",
        "cidrBlock",
        "scaling",
        "controlPlaneRef",
        "infrastructureRef",
        "template",
        "clusterName",
        "replicas",
        "vnetSubnetID",
        "vnetSubnetIDRef",
        "resourceGroupNameRef",
    ];

    const STRINGS: &[&str] = &[
        "v1",
        "network.azure.com/v1api20201101",
        "network.azure.upbound.io/v1beta1",
        "containerservice.azure.com/v1",
        "containerservice.azure.upbound.io/v1beta2",
        "resources.azure.com/v1",
        "apiextensions.crossplane.io/v1",
        "infrastructure.cluster.x-k8s.io/v1beta1",
        "cluster.x-k8s.io/v1beta1",
        "network.azure.crossplane.io/v1alpha3",
        "compute.azure.crossplane.io/v1alpha3",
        "Subnet",
        "VirtualNetwork",
        "VirtualNetworksSubnet",
        "ManagedCluster",
        "ManagedClustersAgentPool",
        "ResourceGroup",
        "KubernetesCluster",
        "Composition",
        "AzureManagedControlPlane",
        "AzureManagedMachinePool",
        "AzureASOManagedControlPlane",
        "MachinePool",
        "Cluster",
        "List",
        "AKSCluster",
        "a",
        "b",
        "${X}",
        "",
        "spec.forProvider.a[0].b",
        "metadata.labels[x.y/z]",
        "PatchSet",
        "10.0.0.0/24",
        "/subscriptions/x/resourceGroups/r/providers/A.B/c/d",
    ];

    fn leaf() -> impl Strategy<Value = Node> {
        let sp = Span::default();
        prop_oneof![
            (0..STRINGS.len()).prop_map(move |i| Node::string(sp, STRINGS[i])),
            any::<i64>().prop_map(move |i| Node::new(sp, NodeKind::Number(Number::Int(i)))),
            any::<bool>().prop_map(move |b| Node::new(sp, NodeKind::Bool(b))),
            Just(Node::new(sp, NodeKind::Null)),
            Just(Node::unknown(sp, "x")),
        ]
    }

    fn tree() -> impl Strategy<Value = Node> {
        let sp = Span::default();
        leaf().prop_recursive(6, 96, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(move |v| Node::new(sp, NodeKind::Array(v))),
                prop::collection::vec((0..KEYS.len(), inner), 0..6).prop_map(move |es| {
                    let entries = es
                        .into_iter()
                        .map(|(k, value)| Entry {
                            key: KEYS[k].to_string(),
                            key_span: sp,
                            value,
                        })
                        .collect();
                    Node::new(sp, NodeKind::Object(entries))
                }),
            ]
        })
    }

    fn manifest() -> impl Strategy<Value = Node> {
        (0..STRINGS.len(), 0..STRINGS.len(), tree()).prop_map(|(v, k, body)| {
            let sp = Span::default();
            let mut entries = vec![
                Entry {
                    key: "apiVersion".into(),
                    key_span: sp,
                    value: Node::string(sp, STRINGS[v]),
                },
                Entry {
                    key: "kind".into(),
                    key_span: sp,
                    value: Node::string(sp, STRINGS[k]),
                },
            ];
            if let NodeKind::Object(more) = body.kind {
                entries.extend(more);
            }
            Node::new(sp, NodeKind::Object(entries))
        })
    }

    proptest! {
        /// Any shape under any kind: no panic anywhere from ingest to the rules.
        #[test]
        fn arbitrary_manifests_do_not_panic(docs in prop::collection::vec(manifest(), 1..6)) {
            let refs: Vec<&Node> = docs.iter().collect();
            let mut b = InventoryBuilder::default();
            let n = ingest_manifests(&mut b, &refs);
            prop_assert!(n <= 200);
            let inv = b.finish();
            let _ = crate::rules::run(&inv, &crate::rules::testing::first_catalogue(), &crate::rules::Thresholds::default());
        }
    }
}

// ---- tags and the HTTP application routing add-on ----

fn tag_value(tags: &crate::model::Tags, key: &str) -> Option<String> {
    tags.lookup(key).known().map(|s| s.to_string())
}

#[test]
fn upjet_tags_and_http_application_routing() {
    let text = r#"
apiVersion: containerservice.azure.upbound.io/v1beta1
kind: KubernetesCluster
metadata: {name: aks}
spec:
  forProvider:
    resourceGroupName: rg
    httpApplicationRoutingEnabled: true
    defaultNodePool:
      - name: system
        nodeCount: 1
        tags: {tier: system}
    tags:
      CostCenter: A1
      env: prod
---
apiVersion: containerservice.azure.upbound.io/v1beta1
kind: KubernetesClusterNodePool
metadata: {name: user}
spec:
  forProvider:
    kubernetesClusterIdRef: {name: aks}
    tags: {Tier: user}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: VirtualNetwork
metadata: {name: spoke}
spec:
  forProvider:
    resourceGroupName: rg
    addressSpace: [10.0.0.0/16]
    tags: {env: prod}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: SecurityGroup
metadata: {name: nsg}
spec:
  forProvider:
    resourceGroupName: rg
    tags: {env: dev}
---
apiVersion: network.azure.upbound.io/v1beta1
kind: RouteTable
metadata: {name: rt}
spec:
  forProvider:
    resourceGroupName: rg
    tags: {env: test}
"#;
    let (src, inv, _) = inventory(&[text]);
    let c = &inv.clusters[0];
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    // Map keys are data: their case is kept, and lookups ignore it.
    let keys: Vec<&str> = c.tags.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["CostCenter", "env"]);
    let cost = c.tags.lookup("costcenter");
    assert_eq!(slice(&src, cost.span().unwrap_or_default()), "A1");
    let tiers: Vec<_> = inv
        .pools
        .iter()
        .map(|p| tag_value(&p.tags, "TIER"))
        .collect();
    assert_eq!(tiers, [Some("system".into()), Some("user".into())]);
    assert_eq!(
        tag_value(&inv.vnets[0].tags, "env").as_deref(),
        Some("prod")
    );
    assert_eq!(tag_value(&inv.nsgs[0].tags, "env").as_deref(), Some("dev"));
    assert_eq!(
        tag_value(&inv.route_tables[0].tags, "env").as_deref(),
        Some("test")
    );
}

#[test]
fn aso_tags_and_http_application_routing() {
    let cluster = ASO_CLUSTER.replace(
        "  networkProfile:\n",
        "  tags: {Env: prod}\n  addonProfiles:\n    httpApplicationRouting: {enabled: true}\n  networkProfile:\n",
    );
    let cluster = cluster.replace(
        "      mode: System\n",
        "      mode: System\n      tags: {tier: system}\n",
    );
    let net = ASO_NET.replace(
        "  location: westeurope\n",
        "  location: westeurope\n  tags: {team: net}\n",
    );
    let pool = r#"
apiVersion: containerservice.azure.com/v1api20240901
kind: ManagedClustersAgentPool
metadata: {name: user}
spec:
  owner: {name: aks}
  count: 2
  tags: {Tier: user}
"#;
    let (src, inv, _) = inventory(&[ASO_RG, &net, &cluster, pool]);
    let c = &inv.clusters[0];
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    let env = c.tags.lookup("ENV");
    assert_eq!(env.known().map(|s| s.as_str()), Some("prod"));
    assert_eq!(slice(&src, env.span().unwrap_or_default()), "prod");
    let tiers: Vec<_> = inv
        .pools
        .iter()
        .map(|p| tag_value(&p.tags, "tier"))
        .collect();
    assert_eq!(tiers, [Some("system".into()), Some("user".into())]);
    assert_eq!(
        tag_value(&inv.vnets[0].tags, "team").as_deref(),
        Some("net")
    );
}

#[test]
fn capz_additional_tags() {
    let text = CAPZ
        .replace(
            "  resourceGroupName: rg-demo\n",
            "  resourceGroupName: rg-demo\n  additionalTags: {env: prod}\n",
        )
        .replace(
            "  maxPods: 30\n",
            "  maxPods: 30\n  additionalTags: {tier: system}\n",
        );
    let (_, inv, _) = inventory(&[&text]);
    assert_eq!(
        tag_value(&inv.clusters[0].tags, "Env").as_deref(),
        Some("prod")
    );
    assert_eq!(
        tag_value(&inv.pools[0].tags, "tier").as_deref(),
        Some("system")
    );
    // The VNet may exist already, with tags of its own.
    assert!(inv.vnets[0].tags.is_unknown());
    assert!(inv.vnets[0].tags.lookup("env").is_unknown());
    assert!(inv.tag_suppressions.is_empty());
}

#[test]
fn classic_virtual_network_tags() {
    let text = r#"
apiVersion: network.azure.crossplane.io/v1alpha3
kind: VirtualNetwork
metadata: {name: example-vn}
spec:
  resourceGroupName: rg-net
  location: westeurope
  tags: {Env: prod}
  properties:
    addressSpace: {addressPrefixes: [10.2.0.0/16]}
"#;
    let (_, inv, _) = inventory(&[text]);
    assert_eq!(
        tag_value(&inv.vnets[0].tags, "env").as_deref(),
        Some("prod")
    );
}
