//! `akslint nsg-check`: what one NSG does to a flow, with the deciding rules and
//! where they are written.

use crate::report::escape::escape;
use std::fmt::Write as _;

use ipnet::IpNet;

use crate::cli::{FlowDirection, FlowProtocol, NsgCheckArgs};
use crate::config::{Config, ConfigSet};
use crate::load::{in_pool, load, LoadOptions};
use crate::model::nsg::{
    evaluate, Access, Decider, Direction, Flow, NsgContext, Outcome, PortRange, Protocol, Verdict,
};
use crate::model::{Inventory, NetworkSecurityGroup, NsgIdx};
use crate::source::{SourceMap, Span};

/// What the command prints and its exit code.
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Answer {
    fn error(message: String) -> Answer {
        Answer {
            stdout: String::new(),
            stderr: message,
            code: 2,
        }
    }
}

/// The flow as asked, before the NSG is known.
struct Question {
    source: IpNet,
    destination: IpNet,
    port: PortRange,
    protocol: Protocol,
    directions: Vec<Direction>,
}

fn parse_net(text: &str, flag: &str) -> Result<IpNet, String> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<std::net::IpAddr>().ok().map(IpNet::from))
        .ok_or_else(|| format!("akslint: {flag} {text}: not a CIDR or an IP address"))
}

fn question(args: &NsgCheckArgs) -> Result<Question, String> {
    let port = PortRange::parse(&args.port).ok_or_else(|| {
        format!(
            "akslint: --port {}: expected a port, a range such as 1000-2000, or *",
            args.port
        )
    })?;
    let protocol = match args.protocol {
        FlowProtocol::Tcp => Protocol::Tcp,
        FlowProtocol::Udp => Protocol::Udp,
        FlowProtocol::Icmp => Protocol::Icmp,
        FlowProtocol::Esp => Protocol::Esp,
        FlowProtocol::Ah => Protocol::Ah,
        FlowProtocol::Any => Protocol::Any,
    };
    let directions = match args.direction {
        Some(FlowDirection::Inbound) => vec![Direction::Inbound],
        Some(FlowDirection::Outbound) => vec![Direction::Outbound],
        None => vec![Direction::Inbound, Direction::Outbound],
    };
    Ok(Question {
        source: parse_net(&args.from, "--from")?,
        destination: parse_net(&args.to, "--to")?,
        port,
        protocol,
        directions,
    })
}

/// Reads the inputs the way `check` does, runs no rule, and answers.
pub fn run(args: &NsgCheckArgs) -> Answer {
    let q = match question(args) {
        Ok(q) => q,
        Err(e) => return Answer::error(e),
    };
    // Only the inventory is wanted: no rule runs.
    let opts = LoadOptions {
        paths: args.paths.clone(),
        parameters: args.parameters.clone(),
        ..LoadOptions::default()
    };
    let config = Config {
        root: std::path::PathBuf::from("."),
        ..Config::default()
    };
    let configs = ConfigSet::new(config, Vec::new());
    let result = in_pool(None, || load(&opts, &configs, &mut std::io::empty()));
    let mut stderr = String::new();
    for e in &result.path_errors {
        let _ = writeln!(stderr, "akslint: {e}");
    }
    let mut answer = answer(&result.inventory, &result.sources, &args.nsg, &q);
    answer.stderr.insert_str(0, &stderr);
    answer
}

fn nsg_name(nsg: &NetworkSecurityGroup) -> Option<String> {
    nsg.name
        .value()
        .cloned()
        .or_else(|| nsg.id.as_ref().map(|id| id.name().to_string()))
}

fn location(sources: &SourceMap, span: Span) -> String {
    if span == Span::default() && sources.is_empty() {
        return "?".into();
    }
    let file = sources.get(span.file);
    let lc = file.line_col(span.start as usize);
    format!("{}:{}:{}", escape(&file.path), lc.line, lc.column)
}

fn answer(inv: &Inventory, sources: &SourceMap, name: &str, q: &Question) -> Answer {
    let found: Vec<NsgIdx> = (0..inv.nsgs.len())
        .filter(|&i| nsg_name(&inv.nsgs[i]).is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .collect();
    let ni = match found.as_slice() {
        [one] => *one,
        [] => {
            let mut names: Vec<String> = inv
                .nsgs
                .iter()
                .filter_map(nsg_name)
                .map(|n| escape(&n).into_owned())
                .collect();
            names.sort();
            names.dedup();
            let known = if names.is_empty() {
                "the inputs hold no NSG".to_string()
            } else {
                format!("NSGs in the inputs: {}", names.join(", "))
            };
            let name = escape(name);
            return Answer::error(format!("akslint: no NSG named `{name}`; {known}\n"));
        }
        many => {
            let name = escape(name);
            let mut msg = format!("akslint: {} NSGs are named `{name}`:\n", many.len());
            for &i in many {
                let nsg = &inv.nsgs[i];
                let id = nsg
                    .id
                    .as_ref()
                    .map_or(nsg.address.as_str(), |id| id.as_str());
                let _ = writeln!(msg, "  {} ({})", escape(id), location(sources, nsg.decl));
            }
            return Answer::error(msg);
        }
    };
    let nsg = &inv.nsgs[ni];
    let (ctx, note) = context(inv, ni);
    let mut out = format!(
        "NSG `{}` ({})\n",
        escape(&nsg_name(nsg).unwrap_or_default()),
        location(sources, nsg.decl)
    );
    if let Some(note) = note {
        let _ = writeln!(out, "note: {note}");
    }
    let mut all_allowed = true;
    for &direction in &q.directions {
        let flow = Flow::new(direction, q.protocol, q.source, q.destination, q.port);
        let verdict = evaluate(nsg, &ctx, &flow);
        all_allowed &= verdict.outcome == Outcome::Allowed;
        describe(&mut out, sources, nsg, &flow, &verdict);
    }
    Answer {
        stdout: out,
        stderr: String::new(),
        code: if all_allowed { 0 } else { 1 },
    }
}

/// The context of the first subnet the NSG sits on; with none, `VirtualNetwork`
/// may be anything.
fn context(inv: &Inventory, ni: NsgIdx) -> (NsgContext, Option<String>) {
    let subnets: Vec<usize> = (0..inv.subnets.len())
        .filter(|&s| inv.subnets[s].nsg == Some(ni))
        .collect();
    match subnets.first() {
        Some(&si) => {
            let note = (subnets.len() > 1).then(|| {
                format!(
                    "the NSG sits on {} subnets; `VirtualNetwork` is read from the VNet of subnet `{}`",
                    subnets.len(),
                    escape(&inv.subnets[si].display_name())
                )
            });
            (NsgContext::for_subnet(inv, si), note)
        }
        None => {
            let ctx = NsgContext {
                vnet_prefixes: Vec::new(),
                vnet_may_include: ["0.0.0.0/0", "::/0"]
                    .iter()
                    .filter_map(|t| t.parse().ok())
                    .collect(),
            };
            (ctx, Some("no subnet in the inputs uses this NSG, so the `VirtualNetwork` tag may stand for any address".into()))
        }
    }
}

fn describe(
    out: &mut String,
    sources: &SourceMap,
    nsg: &NetworkSecurityGroup,
    flow: &Flow,
    v: &Verdict,
) {
    let direction = match flow.direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    };
    let port = if flow.destination_port == PortRange::ALL {
        "any port".to_string()
    } else if flow.destination_port.first() == flow.destination_port.last() {
        format!("port {}", flow.destination_port.first())
    } else {
        format!(
            "ports {}-{}",
            flow.destination_port.first(),
            flow.destination_port.last()
        )
    };
    let outcome = match v.outcome {
        Outcome::Allowed => "allow",
        Outcome::Denied => "deny",
        Outcome::Partial => "partial (some packets allowed, some denied)",
        Outcome::Unknown => "unknown (a value akslint can't read decides)",
    };
    let _ = writeln!(
        out,
        "{direction} {} {} → {} {port}: {outcome}",
        format!("{:?}", flow.protocol).to_ascii_lowercase(),
        flow.source,
        flow.destination
    );
    for d in &v.deciding {
        let access = match d.access {
            Access::Allow => "allow",
            Access::Deny => "deny",
        };
        let _ = writeln!(out, "  {access:<5} {}", rule_line(sources, nsg, d.by));
    }
    for by in &v.uncertain {
        let _ = writeln!(out, "  may   {}", rule_line(sources, nsg, *by));
    }
}

fn rule_line(sources: &SourceMap, nsg: &NetworkSecurityGroup, by: Decider) -> String {
    match by {
        Decider::Default(d) => format!("{} (default rule, priority {})", d.name(), d.priority()),
        Decider::Rule(i) => {
            let priority = nsg
                .rules
                .get(i)
                .and_then(|r| r.priority.value())
                .map(|p| format!(" (priority {p})"))
                .unwrap_or_default();
            let at = by
                .span(nsg)
                .map(|s| format!(" at {}", location(sources, s)))
                .unwrap_or_default();
            format!("{}{priority}{at}", escape(&by.name(nsg)))
        }
    }
}
