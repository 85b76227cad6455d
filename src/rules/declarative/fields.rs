//! The model field registry: every object kind a rule can match, the fields a
//! rule can name on it, their types and docs, and how to read them from the
//! inventory. Load-time path checking, `akslint schema model` and evaluation all
//! read this one table.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::registry::{FieldRef, FieldView, ModelField, ValueType, ValueView};
use crate::model::{
    Addons, ApiServerAccess, Cluster, Field, Inventory, LoadBalancerProfile, NetworkProfile,
    NodePool, Peering, ResourceId, Route, RouteTable, SecurityRule, Subnet, VirtualNetwork,
};
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
        crate::model::display_name(self.name_field(inv), self.address(inv))
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
#[derive(Clone, Copy)]
pub struct FieldDef {
    pub kind: Kind,
    /// Dot-separated snake_case name, relative to the object (`network.plugin`).
    pub name: &'static str,
    pub ty: Type,
    pub doc: &'static str,
    pub get: Read,
}

impl<'a> From<ValueView<'a>> for Value<'a> {
    fn from(v: ValueView<'a>) -> Value<'a> {
        match v {
            ValueView::Str(s) => Value::Str(s),
            ValueView::Int(i) => Value::Int(i),
            ValueView::Bool(b) => Value::Bool(b),
            ValueView::Cidr(n) => Value::Cidr(n),
            ValueView::Ip(a) => Value::Ip(a),
        }
    }
}

impl From<ValueType> for Scalar {
    fn from(t: ValueType) -> Scalar {
        match t {
            ValueType::String => Scalar::String,
            ValueType::Integer => Scalar::Integer,
            ValueType::Bool => Scalar::Bool,
            ValueType::Cidr => Scalar::Cidr,
            ValueType::Ip => Scalar::Ip,
        }
    }
}

fn slot(f: Field<ValueView<'_>>, owner: Span) -> Slot<'_> {
    match f {
        Field::Known(v, s) => Slot::known(v.into(), s),
        Field::Default(v, s) => Slot {
            state: State::Default,
            value: Some(v.into()),
            span: s,
        },
        Field::Unknown(s) => Slot::unknown(s),
        Field::Absent => Slot::absent(owner),
    }
}

/// What a model field gives, with the declaration of the object holding it.
fn got(r: FieldRef<'_>, owner: Span) -> Got<'_> {
    match r {
        FieldRef::One(f) => Got::One(slot(f.view(), owner)),
        FieldRef::Many(l) => Got::Many(
            (0..l.len()).map(|i| slot(l.item(i), owner)).collect(),
            owner,
        ),
    }
}

fn one(f: &dyn FieldView, owner: Span) -> Got<'_> {
    got(FieldRef::One(f), owner)
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
        Field::Known(v, s) => Slot::known(Value::Str(Cow::Borrowed(v.as_str())), s),
        Field::Default(v, s) => Slot {
            state: State::Default,
            value: Some(Value::Str(Cow::Borrowed(v.as_str()))),
            span: s,
        },
        Field::Unknown(s) => Slot::unknown(s),
        Field::Absent => Slot::absent(obj.decl(inv)),
    }
}

/// A bool the model keeps without a span (a flag set when a block is present).
fn flag<'a>(value: bool, owner: Span) -> Got<'a> {
    Got::One(Slot::known(Value::Bool(value), owner))
}

const S: Type = Type::one(Scalar::String);
const B: Type = Type::one(Scalar::Bool);

const fn obj(k: Kind) -> Type {
    Type::one(Scalar::Object(k))
}

const fn objs(k: Kind) -> Type {
    Type::list(Scalar::Object(k))
}

/// How a registry entry reads its value: a model field through the struct
/// that declares it (see `model::registry`), or a hand-written getter for what
/// the model cannot describe itself (relations, common fields, flags).
#[derive(Clone, Copy)]
pub enum Read {
    Custom(Getter),
    Cluster(for<'a> fn(&'a Cluster) -> FieldRef<'a>),
    Network(for<'a> fn(&'a NetworkProfile) -> FieldRef<'a>),
    LoadBalancer(for<'a> fn(&'a LoadBalancerProfile) -> FieldRef<'a>),
    ApiServer(for<'a> fn(&'a ApiServerAccess) -> FieldRef<'a>),
    Addons(for<'a> fn(&'a Addons) -> FieldRef<'a>),
    Pool(for<'a> fn(&'a NodePool) -> FieldRef<'a>),
    Vnet(for<'a> fn(&'a VirtualNetwork) -> FieldRef<'a>),
    Subnet(for<'a> fn(&'a Subnet) -> FieldRef<'a>),
    Peering(for<'a> fn(&'a Peering) -> FieldRef<'a>),
    NsgRule(for<'a> fn(&'a SecurityRule) -> FieldRef<'a>),
    RouteTable(for<'a> fn(&'a RouteTable) -> FieldRef<'a>),
    Route(for<'a> fn(&'a Route) -> FieldRef<'a>),
}

impl Read {
    /// Reads the field of `o`; an object of another kind has it absent.
    pub fn read<'a>(self, cx: &'a Ctx<'_>, o: Obj) -> Got<'a> {
        let inv: &'a Inventory = cx.inv;
        let (r, owner) = match (self, o) {
            (Read::Custom(get), _) => return get(cx, o),
            (Read::Cluster(g), Obj::Cluster(i)) => (g(&inv.clusters[i]), inv.clusters[i].decl),
            (Read::Network(g), Obj::Cluster(i)) => {
                (g(&inv.clusters[i].network), inv.clusters[i].decl)
            }
            (Read::LoadBalancer(g), Obj::Cluster(i)) => (
                g(&inv.clusters[i].network.load_balancer),
                inv.clusters[i].decl,
            ),
            (Read::ApiServer(g), Obj::Cluster(i)) => {
                (g(&inv.clusters[i].api_server), inv.clusters[i].decl)
            }
            (Read::Addons(g), Obj::Cluster(i)) => {
                (g(&inv.clusters[i].addons), inv.clusters[i].decl)
            }
            (Read::Pool(g), Obj::Pool(i)) => (g(&inv.pools[i]), inv.pools[i].decl),
            (Read::Vnet(g), Obj::Vnet(i)) => (g(&inv.vnets[i]), inv.vnets[i].decl),
            (Read::Subnet(g), Obj::Subnet(i)) => (g(&inv.subnets[i]), inv.subnets[i].decl),
            (Read::Peering(g), Obj::Peering(v, p)) => {
                let m = &inv.vnets[v].peerings[p];
                (g(m), m.decl)
            }
            (Read::NsgRule(g), Obj::NsgRule(n, r)) => {
                let m = &inv.nsgs[n].rules[r];
                (g(m), m.decl)
            }
            (Read::RouteTable(g), Obj::RouteTable(i)) => {
                (g(&inv.route_tables[i]), inv.route_tables[i].decl)
            }
            (Read::Route(g), Obj::Route(t, r)) => {
                let m = &inv.route_tables[t].routes[r];
                (g(m), m.decl)
            }
            _ => return Got::One(Slot::absent(o.decl(inv))),
        };
        got(r, owner)
    }
}

/// The registry entries a model struct declares, for objects of `kind`.
fn derived<T>(
    kind: Kind,
    fields: &'static [ModelField<T>],
    read: fn(for<'a> fn(&'a T) -> FieldRef<'a>) -> Read,
) -> impl Iterator<Item = FieldDef> {
    fields.iter().map(move |f| FieldDef {
        kind,
        name: f.name,
        ty: Type {
            scalar: f.ty.into(),
            list: f.list,
        },
        doc: f.doc,
        get: read(f.get),
    })
}

/// Defines hand-written registry entries of one kind: `name, type, doc, |model, inventory, object, decl| read`.
macro_rules! fields {
    ($kind:ident, $variant:ident, $coll:ident, [$(($name:literal, $ty:expr, $doc:literal, |$m:ident, $inv:ident, $o:ident, $d:ident| $body:expr)),* $(,)?]) => {
        &[$(FieldDef {
            kind: Kind::$kind,
            name: $name,
            ty: $ty,
            doc: $doc,
            get: Read::Custom(|$inv, $o| match $o {
                Obj::$variant(i) => {
                    let $m = &$inv.$coll[i];
                    let $d = $m.decl;
                    let _ = ($d, $inv, $o);
                    $body
                }
                _ => Got::One(Slot::absent($o.decl($inv))),
            }),
        }),*]
    };
}

/// Hand-written registry entries of a child kind (peering, security rule, route).
macro_rules! child_fields {
    ($kind:ident, $variant:ident, $coll:ident, $items:ident, [$(($name:literal, $ty:expr, $doc:literal, |$m:ident, $inv:ident, $o:ident, $d:ident| $body:expr)),* $(,)?]) => {
        &[$(FieldDef {
            kind: Kind::$kind,
            name: $name,
            ty: $ty,
            doc: $doc,
            get: Read::Custom(|$inv, $o| match $o {
                Obj::$variant(p, i) => {
                    let $m = &$inv.$coll[p].$items[i];
                    let $d = $m.decl;
                    let _ = ($d, $inv, $o);
                    $body
                }
                _ => Got::One(Slot::absent($o.decl($inv))),
            }),
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

static CLUSTER: &[FieldDef] = fields!(
    Cluster,
    Cluster,
    clusters,
    [
        (
            "windows_profile",
            B,
            "True when the cluster has a `windowsProfile`.",
            |c, inv, o, d| flag(c.windows_profile, d)
        ),
        (
            "pools",
            objs(Kind::NodePool),
            "The cluster's node pools, inline ones first.",
            |c, inv, o, d| objects(c.pools.iter().map(|&p| Obj::Pool(p)), inv, d)
        ),
    ]
);

static NODE_POOL: &[FieldDef] = fields!(NodePool, Pool, pools, [
    ("cluster", obj(Kind::Cluster), "The cluster the pool belongs to, when it is among the inputs (else absent, as in the model).", |p, inv, o, d| match p.cluster {
        Some(c) => parent(Obj::Cluster(c), inv),
        None => Got::One(Slot::absent(d)),
    }),
    ("subnet", obj(Kind::Subnet), "The node subnet (`vnetSubnetID`); unknown when it is not among the inputs.", |p, inv, o, d| related(p.subnet.map(Obj::Subnet), &p.vnet_subnet_id, inv, d)),
    ("pod_subnet", obj(Kind::Subnet), "The pod subnet (`podSubnetID`); unknown when it is not among the inputs.", |p, inv, o, d| related(p.pod_subnet.map(Obj::Subnet), &p.pod_subnet_id, inv, d)),
]);

static VNET: &[FieldDef] = fields!(
    Vnet,
    Vnet,
    vnets,
    [
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

static SUBNET: &[FieldDef] = fields!(
    Subnet,
    Subnet,
    subnets,
    [
        (
            "vnet",
            obj(Kind::Vnet),
            "The subnet's VNet.",
            |s, inv, o, d| Got::One(match s.vnet {
                Some(v) => Slot::known(Value::Obj(Obj::Vnet(v)), inv.vnets[v].decl),
                None if s.vnet_id.is_some() => Slot::unknown(d),
                None => Slot::absent(d),
            })
        ),
        (
            "nsg",
            obj(Kind::Nsg),
            "The subnet's NSG; unknown when it is not among the inputs.",
            |s, inv, o, d| related(s.nsg.map(Obj::Nsg), &s.nsg_id, inv, d)
        ),
        (
            "route_table",
            obj(Kind::RouteTable),
            "The subnet's route table; unknown when it is not among the inputs.",
            |s, inv, o, d| related(
                s.route_table.map(Obj::RouteTable),
                &s.route_table_id,
                inv,
                d
            )
        ),
        (
            "pools",
            objs(Kind::NodePool),
            "The node pools whose node or pod subnet this is.",
            |s, inv, o, d| {
                let Obj::Subnet(si) = o else {
                    return Got::Many(Vec::new(), d);
                };
                let using = inv
                    .reverse()
                    .subnet_pools
                    .get(si)
                    .map_or(&[][..], Vec::as_slice);
                objects(using.iter().map(|&p| Obj::Pool(p)), inv, d)
            }
        ),
    ]
);

static PEERING: &[FieldDef] = child_fields!(
    Peering,
    Peering,
    vnets,
    peerings,
    [(
        "vnet",
        obj(Kind::Vnet),
        "The VNet the peering belongs to.",
        |p, inv, o, d| match o {
            Obj::Peering(v, _) => parent(Obj::Vnet(v), inv),
            _ => Got::One(Slot::absent(d)),
        }
    ),]
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
    [(
        "nsg",
        obj(Kind::Nsg),
        "The NSG the rule belongs to.",
        |r, inv, o, d| match o {
            Obj::NsgRule(n, _) => parent(Obj::Nsg(n), inv),
            _ => Got::One(Slot::absent(d)),
        }
    ),]
);

static ROUTE_TABLE: &[FieldDef] = fields!(
    RouteTable,
    RouteTable,
    route_tables,
    [
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

static ROUTE: &[FieldDef] = child_fields!(
    Route,
    Route,
    route_tables,
    routes,
    [(
        "route_table",
        obj(Kind::RouteTable),
        "The table the route belongs to.",
        |r, inv, o, d| match o {
            Obj::Route(t, _) => parent(Obj::RouteTable(t), inv),
            _ => Got::One(Slot::absent(d)),
        }
    ),]
);

/// Kinds whose resources carry tags.
pub fn has_tags(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Cluster | Kind::NodePool | Kind::Vnet | Kind::Nsg | Kind::RouteTable
    )
}

const TAGS_DOC: &str = "Resource tags: `tags.<key>` is the tag's value (key case-insensitive).";

/// The fields of one kind, without the common ones: those the model declares
/// (see `model::registry`), then the hand-written relations and flags.
pub fn own_fields(kind: Kind) -> Vec<FieldDef> {
    let model: Vec<FieldDef> = match kind {
        Kind::Cluster => derived(kind, Cluster::FIELDS, Read::Cluster)
            .chain(derived(kind, NetworkProfile::FIELDS, Read::Network))
            .chain(derived(
                kind,
                LoadBalancerProfile::FIELDS,
                Read::LoadBalancer,
            ))
            .chain(derived(kind, ApiServerAccess::FIELDS, Read::ApiServer))
            .chain(derived(kind, Addons::FIELDS, Read::Addons))
            .collect(),
        Kind::NodePool => derived(kind, NodePool::FIELDS, Read::Pool).collect(),
        Kind::Vnet => derived(kind, VirtualNetwork::FIELDS, Read::Vnet).collect(),
        Kind::Subnet => derived(kind, Subnet::FIELDS, Read::Subnet).collect(),
        Kind::Peering => derived(kind, Peering::FIELDS, Read::Peering).collect(),
        Kind::Nsg => Vec::new(),
        Kind::NsgRule => derived(kind, SecurityRule::FIELDS, Read::NsgRule).collect(),
        Kind::RouteTable => derived(kind, RouteTable::FIELDS, Read::RouteTable).collect(),
        Kind::Route => derived(kind, Route::FIELDS, Read::Route).collect(),
    };
    let custom: &[FieldDef] = match kind {
        Kind::Cluster => CLUSTER,
        Kind::NodePool => NODE_POOL,
        Kind::Vnet => VNET,
        Kind::Subnet => SUBNET,
        Kind::Peering => PEERING,
        Kind::Nsg => NSG,
        Kind::NsgRule => NSG_RULE,
        Kind::RouteTable => ROUTE_TABLE,
        Kind::Route => ROUTE,
    };
    let mut all = model;
    all.extend_from_slice(custom);
    all
}

/// A field of a kind as the path resolver sees it.
#[derive(Clone, Copy)]
pub struct Found {
    pub name: &'static str,
    pub ty: Type,
    pub get: Read,
}

/// Looks up a field name on a kind (common fields included; not `tags`).
pub fn lookup(kind: Kind, name: &str) -> Option<Found> {
    if let Some(&(n, ty, _)) = COMMON.iter().find(|(n, _, _)| *n == name) {
        return common(n).map(|get| Found {
            name: n,
            ty,
            get: Read::Custom(get),
        });
    }
    own_fields(kind)
        .into_iter()
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
