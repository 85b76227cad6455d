//! The model field registry: every object kind a rule can match, the fields a
//! rule can name on it, their types and docs, and how to read them from the
//! inventory. Load-time path checking, `akslint schema model` and evaluation all
//! read this one table.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{Field, Inventory, MaxSurge, NetworkPlugin, OsType, ResourceId};
use crate::source::Span;

/// The kinds of model object a rule can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Cluster,
    NodePool,
    Vnet,
    Subnet,
    Peering,
    Nsg,
    NsgRule,
    RouteTable,
    Route,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Cluster,
        Kind::NodePool,
        Kind::Vnet,
        Kind::Subnet,
        Kind::Peering,
        Kind::Nsg,
        Kind::NsgRule,
        Kind::RouteTable,
        Kind::Route,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::NodePool => "node_pool",
            Kind::Vnet => "vnet",
            Kind::Subnet => "subnet",
            Kind::Peering => "peering",
            Kind::Nsg => "nsg",
            Kind::NsgRule => "nsg_rule",
            Kind::RouteTable => "route_table",
            Kind::Route => "route",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Cluster => "An AKS managed cluster.",
            Kind::NodePool => {
                "A node pool (agent pool), inline in its cluster or its own resource."
            }
            Kind::Vnet => "A virtual network.",
            Kind::Subnet => "A subnet of a virtual network.",
            Kind::Peering => "A peering of a virtual network.",
            Kind::Nsg => "A network security group.",
            Kind::NsgRule => "A security rule of a network security group.",
            Kind::RouteTable => "A route table.",
            Kind::Route => "A route of a route table.",
        }
    }
}

/// The type of one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    String,
    Integer,
    Bool,
    Cidr,
    Ip,
    Object(Kind),
    /// Tags: string values by case-insensitive key (`tags.env`).
    Map,
}

impl Scalar {
    pub fn name(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Integer => "integer",
            Scalar::Bool => "bool",
            Scalar::Cidr => "cidr",
            Scalar::Ip => "ip",
            Scalar::Object(_) => "object",
            Scalar::Map => "map<string>",
        }
    }
}

/// A field's type: one value or a list of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Type {
    pub scalar: Scalar,
    pub list: bool,
}

impl Type {
    const fn one(scalar: Scalar) -> Type {
        Type {
            scalar,
            list: false,
        }
    }

    const fn list(scalar: Scalar) -> Type {
        Type { scalar, list: true }
    }

    /// The type with its article, for messages: `an integer`, `a list<cidr>`.
    pub fn with_article(self) -> String {
        let d = self.describe();
        let article = if d.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {d}")
    }

    /// `string`, `list<cidr>`, `object<subnet>`, `list<object<node_pool>>`.
    pub fn describe(self) -> String {
        let one = match self.scalar {
            Scalar::Object(k) => format!("object<{}>", k.as_str()),
            s => s.name().to_string(),
        };
        if self.list {
            format!("list<{one}>")
        } else {
            one
        }
    }
}

/// One model object, by its place in the inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obj {
    Cluster(usize),
    Pool(usize),
    Vnet(usize),
    Subnet(usize),
    /// VNet index, peering index.
    Peering(usize, usize),
    Nsg(usize),
    /// NSG index, rule index.
    NsgRule(usize, usize),
    RouteTable(usize),
    /// Route table index, route index.
    Route(usize, usize),
}

impl Obj {
    pub fn kind(self) -> Kind {
        match self {
            Obj::Cluster(_) => Kind::Cluster,
            Obj::Pool(_) => Kind::NodePool,
            Obj::Vnet(_) => Kind::Vnet,
            Obj::Subnet(_) => Kind::Subnet,
            Obj::Peering(..) => Kind::Peering,
            Obj::Nsg(_) => Kind::Nsg,
            Obj::NsgRule(..) => Kind::NsgRule,
            Obj::RouteTable(_) => Kind::RouteTable,
            Obj::Route(..) => Kind::Route,
        }
    }

    /// Every object of a kind, in inventory order.
    pub fn all_of(inv: &Inventory, kind: Kind) -> Vec<Obj> {
        match kind {
            Kind::Cluster => (0..inv.clusters.len()).map(Obj::Cluster).collect(),
            Kind::NodePool => (0..inv.pools.len()).map(Obj::Pool).collect(),
            Kind::Vnet => (0..inv.vnets.len()).map(Obj::Vnet).collect(),
            Kind::Subnet => (0..inv.subnets.len()).map(Obj::Subnet).collect(),
            Kind::Nsg => (0..inv.nsgs.len()).map(Obj::Nsg).collect(),
            Kind::RouteTable => (0..inv.route_tables.len()).map(Obj::RouteTable).collect(),
            Kind::Peering => inv
                .vnets
                .iter()
                .enumerate()
                .flat_map(|(v, vnet)| (0..vnet.peerings.len()).map(move |p| Obj::Peering(v, p)))
                .collect(),
            Kind::NsgRule => inv
                .nsgs
                .iter()
                .enumerate()
                .flat_map(|(n, nsg)| (0..nsg.rules.len()).map(move |r| Obj::NsgRule(n, r)))
                .collect(),
            Kind::Route => inv
                .route_tables
                .iter()
                .enumerate()
                .flat_map(|(t, rt)| (0..rt.routes.len()).map(move |r| Obj::Route(t, r)))
                .collect(),
        }
    }

    /// The object's declaration: where a finding about the whole object points.
    pub fn decl(self, inv: &Inventory) -> Span {
        match self {
            Obj::Cluster(i) => inv.clusters[i].decl,
            Obj::Pool(i) => inv.pools[i].decl,
            Obj::Vnet(i) => inv.vnets[i].decl,
            Obj::Subnet(i) => inv.subnets[i].decl,
            Obj::Peering(v, p) => inv.vnets[v].peerings[p].decl,
            Obj::Nsg(i) => inv.nsgs[i].decl,
            Obj::NsgRule(n, r) => inv.nsgs[n].rules[r].decl,
            Obj::RouteTable(i) => inv.route_tables[i].decl,
            Obj::Route(t, r) => inv.route_tables[t].routes[r].decl,
        }
    }

    /// The address of the resource the object is (or belongs to, for peerings,
    /// security rules and routes, which are parts of their parent's resource).
    pub fn address(self, inv: &Inventory) -> &str {
        match self {
            Obj::Cluster(i) => &inv.clusters[i].address,
            Obj::Pool(i) => &inv.pools[i].address,
            Obj::Vnet(i) | Obj::Peering(i, _) => &inv.vnets[i].address,
            Obj::Subnet(i) => &inv.subnets[i].address,
            Obj::Nsg(i) | Obj::NsgRule(i, _) => &inv.nsgs[i].address,
            Obj::RouteTable(i) | Obj::Route(i, _) => &inv.route_tables[i].address,
        }
    }

    pub fn name_field(self, inv: &Inventory) -> &Field<String> {
        match self {
            Obj::Cluster(i) => &inv.clusters[i].name,
            Obj::Pool(i) => &inv.pools[i].name,
            Obj::Vnet(i) => &inv.vnets[i].name,
            Obj::Subnet(i) => &inv.subnets[i].name,
            Obj::Peering(v, p) => &inv.vnets[v].peerings[p].name,
            Obj::Nsg(i) => &inv.nsgs[i].name,
            Obj::NsgRule(n, r) => &inv.nsgs[n].rules[r].name,
            Obj::RouteTable(i) => &inv.route_tables[i].name,
            Obj::Route(t, r) => &inv.route_tables[t].routes[r].name,
        }
    }

    /// The name messages use: the object's name, else its address.
    pub fn display_name(self, inv: &Inventory) -> String {
        match self.name_field(inv).value() {
            Some(n) => n.clone(),
            None => self.address(inv).to_string(),
        }
    }

    fn id(self, inv: &Inventory) -> Option<Cow<'_, str>> {
        fn own(id: &Option<ResourceId>) -> Option<Cow<'_, str>> {
            id.as_ref().map(|i| Cow::Borrowed(i.as_str()))
        }
        let child = |parent: &Option<ResourceId>, ty: &str, name: &Field<String>| {
            let id = parent.as_ref()?.child(ty, name.value()?)?;
            Some(Cow::Owned(id.as_str().to_string()))
        };
        match self {
            Obj::Cluster(i) => own(&inv.clusters[i].id),
            Obj::Pool(i) => own(&inv.pools[i].id),
            Obj::Vnet(i) => own(&inv.vnets[i].id),
            Obj::Subnet(i) => own(&inv.subnets[i].id),
            Obj::Nsg(i) => own(&inv.nsgs[i].id),
            Obj::RouteTable(i) => own(&inv.route_tables[i].id),
            Obj::Peering(v, p) => child(
                &inv.vnets[v].id,
                "virtualNetworkPeerings",
                &inv.vnets[v].peerings[p].name,
            ),
            Obj::NsgRule(n, r) => {
                child(&inv.nsgs[n].id, "securityRules", &inv.nsgs[n].rules[r].name)
            }
            Obj::Route(t, r) => child(
                &inv.route_tables[t].id,
                "routes",
                &inv.route_tables[t].routes[r].name,
            ),
        }
    }
}

/// One value read from the model.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Cidr(IpNet),
    Ip(IpAddr),
    Obj(Obj),
}

impl Value<'_> {
    /// The value as a message shows it.
    pub fn render(&self, inv: &Inventory) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Cidr(n) => n.to_string(),
            Value::Ip(a) => a.to_string(),
            Value::Obj(o) => o.display_name(inv),
        }
    }
}

/// How the input gave a value: the model's [`Field`] states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Known,
    Default,
    Unknown,
    Absent,
}

/// A value with its state and span. An absent value's span is the declaration
/// of the object that lacks it, so findings about it have a place to point.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot<'a> {
    pub state: State,
    pub value: Option<Value<'a>>,
    pub span: Span,
}

impl<'a> Slot<'a> {
    pub fn known(value: Value<'a>, span: Span) -> Slot<'a> {
        Slot {
            state: State::Known,
            value: Some(value),
            span,
        }
    }

    pub fn unknown(span: Span) -> Slot<'a> {
        Slot {
            state: State::Unknown,
            value: None,
            span,
        }
    }

    pub fn absent(owner: Span) -> Slot<'a> {
        Slot {
            state: State::Absent,
            value: None,
            span: owner,
        }
    }

    pub fn obj(self) -> Option<Obj> {
        match self.value {
            Some(Value::Obj(o)) => Some(o),
            _ => None,
        }
    }
}

/// What a field read gives: one value, or a list (with the declaration of the
/// object holding it, for findings about an empty list).
#[derive(Clone, Debug)]
pub enum Got<'a> {
    One(Slot<'a>),
    Many(Vec<Slot<'a>>, Span),
}

/// Reads one field of an object of the field's kind.
pub type Getter = for<'a, 'i> fn(&'a Ctx<'i>, Obj) -> Got<'a>;

/// The inventory rules read, with indexes built on first use: which pools use
/// a subnet, which subnets an NSG or a route table serves (the model links the
/// other way only). Getters see the inventory through it.
pub struct Ctx<'i> {
    pub inv: &'i Inventory,
    reverse: std::sync::OnceLock<Reverse>,
}

#[derive(Default)]
pub struct Reverse {
    subnet_pools: Vec<Vec<usize>>,
    nsg_subnets: Vec<Vec<usize>>,
    route_table_subnets: Vec<Vec<usize>>,
}

impl<'i> Ctx<'i> {
    pub fn new(inv: &'i Inventory) -> Ctx<'i> {
        Ctx {
            inv,
            reverse: std::sync::OnceLock::new(),
        }
    }

    fn reverse(&self) -> &Reverse {
        self.reverse.get_or_init(|| {
            let inv = self.inv;
            let mut r = Reverse {
                subnet_pools: vec![Vec::new(); inv.subnets.len()],
                nsg_subnets: vec![Vec::new(); inv.nsgs.len()],
                route_table_subnets: vec![Vec::new(); inv.route_tables.len()],
            };
            for (pi, p) in inv.pools.iter().enumerate() {
                let mut used = [p.subnet, p.pod_subnet];
                if used[0] == used[1] {
                    used[1] = None;
                }
                for si in used.into_iter().flatten() {
                    if let Some(list) = r.subnet_pools.get_mut(si) {
                        list.push(pi);
                    }
                }
            }
            for (si, s) in inv.subnets.iter().enumerate() {
                if let Some(list) = s.nsg.and_then(|n| r.nsg_subnets.get_mut(n)) {
                    list.push(si);
                }
                if let Some(list) = s.route_table.and_then(|t| r.route_table_subnets.get_mut(t)) {
                    list.push(si);
                }
            }
            r
        })
    }
}

impl std::ops::Deref for Ctx<'_> {
    type Target = Inventory;

    fn deref(&self) -> &Inventory {
        self.inv
    }
}

/// One entry of the registry.
pub struct FieldDef {
    pub kind: Kind,
    /// Dot-separated snake_case name, relative to the object (`network.plugin`).
    pub name: &'static str,
    pub ty: Type,
    pub doc: &'static str,
    pub get: Getter,
}

trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Cow::Borrowed(self))
    }
}
impl ToValue for i64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}
impl ToValue for IpNet {
    fn to_value(&self) -> Value<'_> {
        Value::Cidr(*self)
    }
}
impl ToValue for IpAddr {
    fn to_value(&self) -> Value<'_> {
        Value::Ip(*self)
    }
}
impl ToValue for ResourceId {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Cow::Borrowed(self.as_str()))
    }
}
impl ToValue for NetworkPlugin {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Cow::Borrowed(self.as_str()))
    }
}
impl ToValue for OsType {
    fn to_value(&self) -> Value<'_> {
        Value::Str(match self {
            OsType::Linux => Cow::Borrowed("Linux"),
            OsType::Windows => Cow::Borrowed("Windows"),
            OsType::Other(s) => Cow::Borrowed(s.as_str()),
        })
    }
}
impl ToValue for MaxSurge {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Cow::Owned(self.describe()))
    }
}

fn slot<'a, T: ToValue>(f: &'a Field<T>, owner: Span) -> Slot<'a> {
    match f {
        Field::Known(v, s) => Slot::known(v.to_value(), *s),
        Field::Default(v, s) => Slot {
            state: State::Default,
            value: Some(v.to_value()),
            span: *s,
        },
        Field::Unknown(s) => Slot::unknown(*s),
        Field::Absent => Slot::absent(owner),
    }
}

fn one<'a, T: ToValue>(f: &'a Field<T>, owner: Span) -> Got<'a> {
    Got::One(slot(f, owner))
}

fn many<'a, T: ToValue>(list: &'a [Field<T>], owner: Span) -> Got<'a> {
    Got::Many(list.iter().map(|f| slot(f, owner)).collect(), owner)
}

/// A related object by index; when the reference is written but its target is
/// not among the inputs, the relation is unknown (at the reference), not absent.
fn related<'a, T>(
    target: Option<Obj>,
    reference: &Field<T>,
    inv: &Inventory,
    owner: Span,
) -> Got<'a> {
    Got::One(match target {
        Some(o) => Slot::known(Value::Obj(o), o.decl(inv)),
        None => match reference {
            Field::Absent => Slot::absent(owner),
            f => Slot::unknown(f.span().unwrap_or(owner)),
        },
    })
}

fn objects<'a>(objs: impl Iterator<Item = Obj>, inv: &Inventory, owner: Span) -> Got<'a> {
    Got::Many(
        objs.map(|o| Slot::known(Value::Obj(o), o.decl(inv)))
            .collect(),
        owner,
    )
}

/// A parent object, always present.
fn parent<'a>(o: Obj, inv: &Inventory) -> Got<'a> {
    Got::One(Slot::known(Value::Obj(o), o.decl(inv)))
}

/// A tag value by key (case-insensitive). Kinds without tags (subnets, NSG
/// rules, routes, peerings) have none: absent.
pub fn tag<'a>(inv: &'a Inventory, obj: Obj, key: &str) -> Slot<'a> {
    let tags = match obj {
        Obj::Cluster(i) => &inv.clusters[i].tags,
        Obj::Pool(i) => &inv.pools[i].tags,
        Obj::Vnet(i) => &inv.vnets[i].tags,
        Obj::Nsg(i) => &inv.nsgs[i].tags,
        Obj::RouteTable(i) => &inv.route_tables[i].tags,
        _ => return Slot::absent(obj.decl(inv)),
    };
    // A key not written is unknown when the tags as a whole are.
    match tags.lookup(key) {
        Field::Known(v, s) => Slot::known(v.to_value(), s),
        Field::Default(v, s) => Slot {
            state: State::Default,
            value: Some(v.to_value()),
            span: s,
        },
        Field::Unknown(s) => Slot::unknown(s),
        Field::Absent => Slot::absent(obj.decl(inv)),
    }
}

/// `addons.http_application_routing`.
fn http_application_routing(inv: &Inventory, obj: Obj) -> Got<'_> {
    match obj {
        Obj::Cluster(i) => one(
            &inv.clusters[i].addons.http_application_routing,
            inv.clusters[i].decl,
        ),
        _ => Got::One(Slot::absent(obj.decl(inv))),
    }
}

/// A bool the model keeps without a span (a flag set when a block is present).
fn flag<'a>(value: bool, owner: Span) -> Got<'a> {
    Got::One(Slot::known(Value::Bool(value), owner))
}

const S: Type = Type::one(Scalar::String);
const I: Type = Type::one(Scalar::Integer);
const B: Type = Type::one(Scalar::Bool);
const C: Type = Type::one(Scalar::Cidr);
const IP: Type = Type::one(Scalar::Ip);
const LS: Type = Type::list(Scalar::String);
const LC: Type = Type::list(Scalar::Cidr);

const fn obj(k: Kind) -> Type {
    Type::one(Scalar::Object(k))
}

const fn objs(k: Kind) -> Type {
    Type::list(Scalar::Object(k))
}

/// Defines registry entries of one kind: `name, type, doc, |model, inventory, object, decl| read`.
macro_rules! fields {
    ($kind:ident, $variant:ident, $coll:ident, [$(($name:literal, $ty:expr, $doc:literal, |$m:ident, $inv:ident, $o:ident, $d:ident| $body:expr)),* $(,)?]) => {
        &[$(FieldDef {
            kind: Kind::$kind,
            name: $name,
            ty: $ty,
            doc: $doc,
            get: |$inv, $o| match $o {
                Obj::$variant(i) => {
                    let $m = &$inv.$coll[i];
                    let $d = $m.decl;
                    let _ = ($d, $inv, $o);
                    $body
                }
                _ => Got::One(Slot::absent($o.decl($inv))),
            },
        }),*]
    };
}

/// Registry entries of a child kind (peering, security rule, route).
macro_rules! child_fields {
    ($kind:ident, $variant:ident, $coll:ident, $items:ident, [$(($name:literal, $ty:expr, $doc:literal, |$m:ident, $inv:ident, $o:ident, $d:ident| $body:expr)),* $(,)?]) => {
        &[$(FieldDef {
            kind: Kind::$kind,
            name: $name,
            ty: $ty,
            doc: $doc,
            get: |$inv, $o| match $o {
                Obj::$variant(p, i) => {
                    let $m = &$inv.$coll[p].$items[i];
                    let $d = $m.decl;
                    let _ = ($d, $inv, $o);
                    $body
                }
                _ => Got::One(Slot::absent($o.decl($inv))),
            },
        }),*]
    };
}

static COMMON: &[(&str, Type, &str)] = &[
    ("id", S, "The Azure resource id (for peerings, security rules and routes: the parent's id with the child segment)."),
    ("address", S, "The resource id, or the format's own address (a Terraform address, a manifest path) when there is no id; peerings, security rules and routes give their parent's."),
    ("name", S, "The object's name. In messages, `{{name}}` falls back to the address."),
];

fn common(field: &str) -> Option<Getter> {
    let get: Getter = match field {
        "id" => |inv, o| {
            Got::One(match o.id(inv) {
                Some(id) => Slot::known(Value::Str(id), o.decl(inv)),
                None => Slot::absent(o.decl(inv)),
            })
        },
        "address" => |inv, o| {
            Got::One(Slot::known(
                Value::Str(Cow::Borrowed(o.address(inv))),
                o.decl(inv),
            ))
        },
        "name" => |inv, o| one(o.name_field(inv), o.decl(inv)),
        _ => return None,
    };
    Some(get)
}

static CLUSTER: &[FieldDef] = fields!(Cluster, Cluster, clusters, [
    ("location", S, "`location`.", |c, inv, o, d| one(&c.location, d)),
    ("kubernetes_version", S, "`kubernetesVersion`.", |c, inv, o, d| one(&c.kubernetes_version, d)),
    ("node_resource_group", S, "`nodeResourceGroup`.", |c, inv, o, d| one(&c.node_resource_group, d)),
    ("network.plugin", S, "`networkProfile.networkPlugin`: `azure`, `kubenet` or `none`; defaults by Kubernetes version (F-002).", |c, inv, o, d| one(&c.network.plugin, d)),
    ("network.plugin_mode", S, "`networkProfile.networkPluginMode` (`overlay`).", |c, inv, o, d| one(&c.network.plugin_mode, d)),
    ("network.policy", S, "`networkProfile.networkPolicy`: `azure`, `calico`, `cilium`, `none`.", |c, inv, o, d| one(&c.network.policy, d)),
    ("network.dataplane", S, "`networkProfile.networkDataplane`: `azure` or `cilium`.", |c, inv, o, d| one(&c.network.dataplane, d)),
    ("network.pod_cidrs", LC, "`networkProfile.podCidr`/`podCidrs`.", |c, inv, o, d| many(&c.network.pod_cidrs, d)),
    ("network.service_cidrs", LC, "`networkProfile.serviceCidr`/`serviceCidrs`.", |c, inv, o, d| many(&c.network.service_cidrs, d)),
    ("network.dns_service_ip", IP, "`networkProfile.dnsServiceIP`.", |c, inv, o, d| one(&c.network.dns_service_ip, d)),
    ("network.outbound_type", S, "`networkProfile.outboundType`: `loadBalancer`, `userDefinedRouting`, `managedNATGateway`, `userAssignedNATGateway`, `none`.", |c, inv, o, d| one(&c.network.outbound_type, d)),
    ("network.load_balancer_sku", S, "`networkProfile.loadBalancerSku`: `standard` or `basic`.", |c, inv, o, d| one(&c.network.load_balancer_sku, d)),
    ("network.load_balancer.allocated_outbound_ports", I, "`loadBalancerProfile.allocatedOutboundPorts`.", |c, inv, o, d| one(&c.network.load_balancer.allocated_outbound_ports, d)),
    ("network.load_balancer.managed_outbound_ip_count", I, "`loadBalancerProfile.managedOutboundIPs.count`.", |c, inv, o, d| one(&c.network.load_balancer.managed_outbound_ip_count, d)),
    ("network.load_balancer.outbound_ip_ids", LS, "`loadBalancerProfile.outboundIPs` (resource ids).", |c, inv, o, d| many(&c.network.load_balancer.outbound_ip_ids, d)),
    ("network.load_balancer.outbound_ip_prefix_ids", LS, "`loadBalancerProfile.outboundIPPrefixes` (resource ids).", |c, inv, o, d| many(&c.network.load_balancer.outbound_ip_prefix_ids, d)),
    ("api_server.private_cluster", B, "`apiServerAccessProfile.enablePrivateCluster`.", |c, inv, o, d| one(&c.api_server.private_cluster, d)),
    ("api_server.vnet_integration", B, "`apiServerAccessProfile.enableVnetIntegration`.", |c, inv, o, d| one(&c.api_server.vnet_integration, d)),
    ("api_server.subnet_id", S, "`apiServerAccessProfile.subnetId`.", |c, inv, o, d| one(&c.api_server.subnet_id, d)),
    ("api_server.authorized_ip_ranges", LS, "`apiServerAccessProfile.authorizedIPRanges` (CIDRs or addresses, as written).", |c, inv, o, d| many(&c.api_server.authorized_ip_ranges, d)),
    ("addons.aci_connector", B, "Virtual nodes: `addonProfiles.aciConnectorLinux.enabled`.", |c, inv, o, d| one(&c.addons.aci_connector, d)),
    ("addons.aci_connector_subnet_name", S, "The subnet name virtual nodes use.", |c, inv, o, d| one(&c.addons.aci_connector_subnet_name, d)),
    ("addons.ingress_appgw", B, "Application Gateway Ingress Controller: `addonProfiles.ingressApplicationGateway.enabled`.", |c, inv, o, d| one(&c.addons.ingress_appgw, d)),
    ("addons.ingress_appgw_subnet_id", S, "The subnet id the AGIC add-on uses.", |c, inv, o, d| one(&c.addons.ingress_appgw_subnet_id, d)),
    ("addons.ingress_appgw_subnet_cidr", C, "The subnet CIDR the AGIC add-on creates.", |c, inv, o, d| one(&c.addons.ingress_appgw_subnet_cidr, d)),
    ("addons.http_application_routing", B, "The retired HTTP application routing add-on: `addonProfiles.httpApplicationRouting.enabled`.", |c, inv, o, d| http_application_routing(inv, o)),
    ("windows_profile", B, "True when the cluster has a `windowsProfile`.", |c, inv, o, d| flag(c.windows_profile, d)),
    ("pools", objs(Kind::NodePool), "The cluster's node pools, inline ones first.", |c, inv, o, d| objects(c.pools.iter().map(|&p| Obj::Pool(p)), inv, d)),
]);

static NODE_POOL: &[FieldDef] = fields!(
    NodePool,
    Pool,
    pools,
    [
        (
            "os_type",
            S,
            "`osType`: `Linux` or `Windows`.",
            |p, inv, o, d| one(&p.os_type, d)
        ),
        ("os_sku", S, "`osSKU`.", |p, inv, o, d| one(&p.os_sku, d)),
        (
            "mode",
            S,
            "`mode`: `System` or `User`.",
            |p, inv, o, d| one(&p.mode, d)
        ),
        (
            "vm_type",
            S,
            "`type`: `VirtualMachineScaleSets`, `VirtualMachines` or `AvailabilitySet`.",
            |p, inv, o, d| one(&p.vm_type, d)
        ),
        (
            "orchestrator_version",
            S,
            "`orchestratorVersion`.",
            |p, inv, o, d| one(&p.orchestrator_version, d)
        ),
        ("count", I, "`count`.", |p, inv, o, d| one(&p.count, d)),
        ("min_count", I, "`minCount`.", |p, inv, o, d| one(
            &p.min_count,
            d
        )),
        ("max_count", I, "`maxCount`.", |p, inv, o, d| one(
            &p.max_count,
            d
        )),
        (
            "enable_auto_scaling",
            B,
            "`enableAutoScaling`.",
            |p, inv, o, d| one(&p.enable_auto_scaling, d)
        ),
        ("max_pods", I, "`maxPods`.", |p, inv, o, d| one(
            &p.max_pods,
            d
        )),
        (
            "max_surge",
            S,
            "`upgradeSettings.maxSurge`: a node count (`1`) or a percentage (`33%`).",
            |p, inv, o, d| one(&p.max_surge, d)
        ),
        ("vnet_subnet_id", S, "`vnetSubnetID`.", |p, inv, o, d| one(
            &p.vnet_subnet_id,
            d
        )),
        ("pod_subnet_id", S, "`podSubnetID`.", |p, inv, o, d| one(
            &p.pod_subnet_id,
            d
        )),
        (
            "pod_ip_allocation_mode",
            S,
            "`podIPAllocationMode`: `DynamicIndividual` or `StaticBlock`.",
            |p, inv, o, d| one(&p.pod_ip_allocation_mode, d)
        ),
        (
            "enable_node_public_ip",
            B,
            "`enableNodePublicIP`.",
            |p, inv, o, d| one(&p.enable_node_public_ip, d)
        ),
        (
            "cluster",
            obj(Kind::Cluster),
            "The cluster the pool belongs to, when it is among the inputs (else absent, as in the model).",
            |p, inv, o, d| match p.cluster {
                Some(c) => parent(Obj::Cluster(c), inv),
                None => Got::One(Slot::absent(d)),
            }
        ),
        (
            "subnet",
            obj(Kind::Subnet),
            "The node subnet (`vnetSubnetID`); unknown when it is not among the inputs.",
            |p, inv, o, d| related(p.subnet.map(Obj::Subnet), &p.vnet_subnet_id, inv, d)
        ),
        (
            "pod_subnet",
            obj(Kind::Subnet),
            "The pod subnet (`podSubnetID`); unknown when it is not among the inputs.",
            |p, inv, o, d| related(p.pod_subnet.map(Obj::Subnet), &p.pod_subnet_id, inv, d)
        ),
    ]
);

static VNET: &[FieldDef] = fields!(
    Vnet,
    Vnet,
    vnets,
    [
        (
            "address_prefixes",
            LC,
            "`addressSpace.addressPrefixes`.",
            |v, inv, o, d| many(&v.address_prefixes, d)
        ),
        (
            "dns_servers",
            LS,
            "`dhcpOptions.dnsServers`; empty means Azure DNS.",
            |v, inv, o, d| many(&v.dns_servers, d)
        ),
        (
            "subnets",
            objs(Kind::Subnet),
            "The VNet's subnets.",
            |v, inv, o, d| objects(v.subnets.iter().map(|&s| Obj::Subnet(s)), inv, d)
        ),
        (
            "peerings",
            objs(Kind::Peering),
            "The VNet's peerings.",
            |v, inv, o, d| {
                let Obj::Vnet(vi) = o else {
                    return Got::Many(Vec::new(), d);
                };
                objects((0..v.peerings.len()).map(|p| Obj::Peering(vi, p)), inv, d)
            }
        ),
    ]
);

static SUBNET: &[FieldDef] = fields!(Subnet, Subnet, subnets, [
    ("address_prefixes", LC, "`addressPrefix` or `addressPrefixes`.", |s, inv, o, d| many(&s.address_prefixes, d)),
    ("nsg_id", S, "`networkSecurityGroup.id` (or an association resource).", |s, inv, o, d| one(&s.nsg_id, d)),
    ("route_table_id", S, "`routeTable.id` (or an association resource).", |s, inv, o, d| one(&s.route_table_id, d)),
    ("nat_gateway_id", S, "`natGateway.id` (or an association resource).", |s, inv, o, d| one(&s.nat_gateway_id, d)),
    ("delegations", LS, "The services the subnet is delegated to (`Microsoft.ContainerInstance/containerGroups`).", |s, inv, o, d| many(&s.delegations, d)),
    ("service_endpoints", LS, "Service endpoints (`Microsoft.Storage`).", |s, inv, o, d| many(&s.service_endpoints, d)),
    ("vnet", obj(Kind::Vnet), "The subnet's VNet.", |s, inv, o, d| Got::One(match s.vnet {
        Some(v) => Slot::known(Value::Obj(Obj::Vnet(v)), inv.vnets[v].decl),
        None if s.vnet_id.is_some() => Slot::unknown(d),
        None => Slot::absent(d),
    })),
    ("nsg", obj(Kind::Nsg), "The subnet's NSG; unknown when it is not among the inputs.", |s, inv, o, d| related(s.nsg.map(Obj::Nsg), &s.nsg_id, inv, d)),
    ("route_table", obj(Kind::RouteTable), "The subnet's route table; unknown when it is not among the inputs.", |s, inv, o, d| related(s.route_table.map(Obj::RouteTable), &s.route_table_id, inv, d)),
    ("pools", objs(Kind::NodePool), "The node pools whose node or pod subnet this is.", |s, inv, o, d| {
        let Obj::Subnet(si) = o else { return Got::Many(Vec::new(), d) };
        let using = inv.reverse().subnet_pools.get(si).map_or(&[][..], Vec::as_slice);
        objects(using.iter().map(|&p| Obj::Pool(p)), inv, d)
    }),
]);

static PEERING: &[FieldDef] = child_fields!(
    Peering,
    Peering,
    vnets,
    peerings,
    [
        (
            "remote_vnet_id",
            S,
            "`remoteVirtualNetwork.id`.",
            |p, inv, o, d| one(&p.remote_vnet_id, d)
        ),
        (
            "remote_address_prefixes",
            LC,
            "`remoteAddressSpace.addressPrefixes`.",
            |p, inv, o, d| many(&p.remote_address_prefixes, d)
        ),
        (
            "vnet",
            obj(Kind::Vnet),
            "The VNet the peering belongs to.",
            |p, inv, o, d| match o {
                Obj::Peering(v, _) => parent(Obj::Vnet(v), inv),
                _ => Got::One(Slot::absent(d)),
            }
        ),
    ]
);

static NSG: &[FieldDef] = fields!(
    Nsg,
    Nsg,
    nsgs,
    [
        (
            "rules",
            objs(Kind::NsgRule),
            "The NSG's security rules (not Azure's default rules).",
            |n, inv, o, d| {
                let Obj::Nsg(ni) = o else {
                    return Got::Many(Vec::new(), d);
                };
                objects((0..n.rules.len()).map(|r| Obj::NsgRule(ni, r)), inv, d)
            }
        ),
        (
            "subnets",
            objs(Kind::Subnet),
            "The subnets the NSG is associated with.",
            |n, inv, o, d| {
                let Obj::Nsg(ni) = o else {
                    return Got::Many(Vec::new(), d);
                };
                let served = inv
                    .reverse()
                    .nsg_subnets
                    .get(ni)
                    .map_or(&[][..], Vec::as_slice);
                objects(served.iter().map(|&s| Obj::Subnet(s)), inv, d)
            }
        ),
    ]
);

static NSG_RULE: &[FieldDef] = child_fields!(
    NsgRule,
    NsgRule,
    nsgs,
    rules,
    [
        ("priority", I, "`priority` (100–4096).", |r, inv, o, d| {
            one(&r.priority, d)
        }),
        (
            "direction",
            S,
            "`direction`: `Inbound` or `Outbound`.",
            |r, inv, o, d| one(&r.direction, d)
        ),
        (
            "access",
            S,
            "`access`: `Allow` or `Deny`.",
            |r, inv, o, d| one(&r.access, d)
        ),
        (
            "protocol",
            S,
            "`protocol`: `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*`.",
            |r, inv, o, d| one(&r.protocol, d)
        ),
        (
            "source_prefixes",
            LS,
            "`sourceAddressPrefix(es)`: CIDRs, addresses, service tags or `*`.",
            |r, inv, o, d| many(&r.source_prefixes, d)
        ),
        (
            "destination_prefixes",
            LS,
            "`destinationAddressPrefix(es)`.",
            |r, inv, o, d| many(&r.destination_prefixes, d)
        ),
        (
            "source_ports",
            LS,
            "`sourcePortRange(s)`: ports, ranges (`1000-2000`) or `*`.",
            |r, inv, o, d| many(&r.source_ports, d)
        ),
        (
            "destination_ports",
            LS,
            "`destinationPortRange(s)`.",
            |r, inv, o, d| many(&r.destination_ports, d)
        ),
        (
            "nsg",
            obj(Kind::Nsg),
            "The NSG the rule belongs to.",
            |r, inv, o, d| match o {
                Obj::NsgRule(n, _) => parent(Obj::Nsg(n), inv),
                _ => Got::One(Slot::absent(d)),
            }
        ),
    ]
);

static ROUTE_TABLE: &[FieldDef] = fields!(
    RouteTable,
    RouteTable,
    route_tables,
    [
        (
            "disable_bgp_route_propagation",
            B,
            "`disableBgpRoutePropagation`.",
            |t, inv, o, d| one(&t.disable_bgp_route_propagation, d)
        ),
        (
            "routes",
            objs(Kind::Route),
            "The table's routes.",
            |t, inv, o, d| {
                let Obj::RouteTable(ti) = o else {
                    return Got::Many(Vec::new(), d);
                };
                objects((0..t.routes.len()).map(|r| Obj::Route(ti, r)), inv, d)
            }
        ),
        (
            "subnets",
            objs(Kind::Subnet),
            "The subnets the table is associated with.",
            |t, inv, o, d| {
                let Obj::RouteTable(ti) = o else {
                    return Got::Many(Vec::new(), d);
                };
                let served = inv
                    .reverse()
                    .route_table_subnets
                    .get(ti)
                    .map_or(&[][..], Vec::as_slice);
                objects(served.iter().map(|&s| Obj::Subnet(s)), inv, d)
            }
        ),
    ]
);

static ROUTE: &[FieldDef] = child_fields!(Route, Route, route_tables, routes, [
    ("address_prefix", S, "`addressPrefix`: a CIDR or a service tag.", |r, inv, o, d| one(&r.address_prefix, d)),
    ("next_hop_type", S, "`nextHopType`: `VirtualAppliance`, `Internet`, `VirtualNetworkGateway`, `VnetLocal`, `None`.", |r, inv, o, d| one(&r.next_hop_type, d)),
    ("next_hop_ip", S, "`nextHopIpAddress`.", |r, inv, o, d| one(&r.next_hop_ip, d)),
    ("route_table", obj(Kind::RouteTable), "The table the route belongs to.", |r, inv, o, d| match o {
        Obj::Route(t, _) => parent(Obj::RouteTable(t), inv),
        _ => Got::One(Slot::absent(d)),
    }),
]);

/// Kinds whose resources carry tags.
pub fn has_tags(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Cluster | Kind::NodePool | Kind::Vnet | Kind::Nsg | Kind::RouteTable
    )
}

const TAGS_DOC: &str = "Resource tags: `tags.<key>` is the tag's value (key case-insensitive).";

/// The fields of one kind, without the common ones.
pub fn own_fields(kind: Kind) -> &'static [FieldDef] {
    match kind {
        Kind::Cluster => CLUSTER,
        Kind::NodePool => NODE_POOL,
        Kind::Vnet => VNET,
        Kind::Subnet => SUBNET,
        Kind::Peering => PEERING,
        Kind::Nsg => NSG,
        Kind::NsgRule => NSG_RULE,
        Kind::RouteTable => ROUTE_TABLE,
        Kind::Route => ROUTE,
    }
}

/// A field of a kind as the path resolver sees it.
#[derive(Clone, Copy)]
pub struct Found {
    pub name: &'static str,
    pub ty: Type,
    pub get: Getter,
}

/// Looks up a field name on a kind (common fields included; not `tags`).
pub fn lookup(kind: Kind, name: &str) -> Option<Found> {
    if let Some(&(n, ty, _)) = COMMON.iter().find(|(n, _, _)| *n == name) {
        return common(n).map(|get| Found { name: n, ty, get });
    }
    own_fields(kind)
        .iter()
        .find(|f| f.name == name)
        .map(|f| Found {
            name: f.name,
            ty: f.ty,
            get: f.get,
        })
}

/// Every field name of a kind, for "did you mean" and the schema.
pub fn names(kind: Kind) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = COMMON.iter().map(|(n, _, _)| *n).collect();
    out.extend(own_fields(kind).iter().map(|f| f.name));
    if has_tags(kind) {
        out.push("tags");
    }
    out
}

/// `akslint schema model`: every kind with its fields, types and docs.
pub fn model_schema() -> serde_json::Value {
    let mut kinds = serde_json::Map::new();
    for kind in Kind::ALL {
        let mut fields = serde_json::Map::new();
        let mut add = |name: &str, ty: Type, doc: &str| {
            let mut entry = serde_json::Map::new();
            entry.insert("type".into(), ty.describe().into());
            if let Scalar::Object(target) = ty.scalar {
                entry.insert("target".into(), target.as_str().into());
            }
            entry.insert("description".into(), doc.into());
            fields.insert(name.to_string(), serde_json::Value::Object(entry));
        };
        for (name, ty, doc) in COMMON {
            add(name, *ty, doc);
        }
        for f in own_fields(kind) {
            add(f.name, f.ty, f.doc);
        }
        if has_tags(kind) {
            add("tags", Type::one(Scalar::Map), TAGS_DOC);
        }
        let mut k = serde_json::Map::new();
        k.insert("description".into(), kind.describe().into());
        k.insert("fields".into(), serde_json::Value::Object(fields));
        kinds.insert(kind.as_str().to_string(), serde_json::Value::Object(k));
    }
    serde_json::json!({ "kinds": kinds })
}

/// The closest names to a misspelt one, for "did you mean".
pub fn close_names<'n>(name: &str, candidates: &[&'n str]) -> Vec<&'n str> {
    // A few typos for a long name, one for a short one; a name written without
    // its prefix (`private_cluster`) ranks first.
    let budget = (name.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &'n str)> = candidates
        .iter()
        .filter_map(|c| {
            if name.len() >= 4 && c.contains(name) {
                return Some((0, *c));
            }
            let d = edit_distance(name, c);
            (d <= budget).then_some((d, *c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_unique_field_names() {
        for kind in Kind::ALL {
            let names = names(kind);
            for (i, n) in names.iter().enumerate() {
                assert!(!names[i + 1..].contains(n), "{kind:?}.{n} twice");
                assert!(
                    n.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
                    "{n}"
                );
            }
        }
    }

    #[test]
    fn schema_lists_relations_with_their_target() {
        let s = model_schema();
        assert_eq!(
            s["kinds"]["node_pool"]["fields"]["subnet"]["target"],
            "subnet"
        );
        assert_eq!(
            s["kinds"]["cluster"]["fields"]["pools"]["type"],
            "list<object<node_pool>>"
        );
        assert_eq!(
            s["kinds"]["vnet"]["fields"]["address_prefixes"]["type"],
            "list<cidr>"
        );
        assert_eq!(
            s["kinds"]["cluster"]["fields"]["tags"]["type"],
            "map<string>"
        );
        assert!(s["kinds"]["subnet"]["fields"]["tags"].is_null());
    }

    #[test]
    fn close_names_suggest_the_misspelt_field() {
        let names = names(Kind::Cluster);
        assert_eq!(
            close_names("network.plugn", &names).first(),
            Some(&"network.plugin")
        );
        assert_eq!(
            close_names("private_cluster", &names).first(),
            Some(&"api_server.private_cluster")
        );
    }
}
