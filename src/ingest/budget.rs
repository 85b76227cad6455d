//! Evaluation budgets: the one set of bounds every evaluator of input-written expressions
//! (ARM, Bicep, the HCL evaluator, the declarative engine) applies to the values it builds.
//!
//! Templates can grow values without bound in a few lines (`v_i = concat(v_{i-1}, v_{i-1})`
//! doubles a string per step, `replace` and `format` multiply it). A [`Budget`] caps the size
//! of any one value it admits (string length, array length, object size) and the total work
//! of one evaluation; an evaluator turns a value over budget into an Unknown (with a
//! `not-evaluated` note at the expression) instead of building it.
//!
//! Work is counted in units: one per value produced or copied, plus one per
//! [`BYTES_PER_UNIT`] bytes of string, so the memory one evaluation can hold is bounded by
//! about `work × BYTES_PER_UNIT` bytes whatever the shape of the values.
//!
//! A budget is per evaluation and single-threaded (interior mutability through [`Cell`]),
//! so it can be shared by reference through an evaluator's context.

use std::cell::Cell;
use std::fmt;

use crate::syntax::{Node, NodeKind};

/// Longest string one value may hold (1 MiB, as HCL's evaluator always had).
pub const MAX_STRING: usize = 1 << 20;
/// Most items of one array value.
pub const MAX_ARRAY: usize = 100_000;
/// Most members of one object value.
pub const MAX_OBJECT: usize = 100_000;
/// Most work units one evaluation may spend (ARM's long-standing node budget).
pub const MAX_WORK: usize = 1_000_000;
/// Bytes of string that cost one work unit.
pub const BYTES_PER_UNIT: usize = 64;

/// The bounds a [`Budget`] enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest string, in bytes.
    pub string: usize,
    /// Most items in one array.
    pub array: usize,
    /// Most members in one object.
    pub object: usize,
    /// Most work units in one evaluation.
    pub work: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            string: MAX_STRING,
            array: MAX_ARRAY,
            object: MAX_OBJECT,
            work: MAX_WORK,
        }
    }
}

/// Which bound a value or a step went over; its `Display` is the reason an Unknown carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// A string would be longer than the limit (the limit, in bytes).
    String(usize),
    /// An array would have more items than the limit.
    Array(usize),
    /// An object would have more members than the limit.
    Object(usize),
    /// The evaluation's work budget is spent.
    Work,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::String(limit) => write!(f, "the string grows beyond {}", bytes(*limit)),
            Exceeded::Array(limit) => write!(f, "the array grows beyond {limit} items"),
            Exceeded::Object(limit) => write!(f, "the object grows beyond {limit} members"),
            Exceeded::Work => f.write_str("evaluation budget exhausted"),
        }
    }
}

impl From<Exceeded> for String {
    fn from(e: Exceeded) -> String {
        e.to_string()
    }
}

fn bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// The budget of one evaluation.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    spent: Cell<usize>,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new()
    }
}

impl Budget {
    /// A budget with the default [`Limits`].
    pub fn new() -> Budget {
        Budget::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Budget {
        Budget {
            limits,
            spent: Cell::new(0),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Work units spent so far.
    pub fn spent(&self) -> usize {
        self.spent.get()
    }

    /// Spends `units` of work; `Err` once the total is over the limit (and from then on).
    pub fn spend(&self, units: usize) -> Result<(), Exceeded> {
        let total = self.spent.get().saturating_add(units);
        self.spent.set(total);
        if total <= self.limits.work {
            Ok(())
        } else {
            Err(Exceeded::Work)
        }
    }

    /// True once the work budget is spent; evaluators stop walking then.
    pub fn exhausted(&self) -> bool {
        self.spent.get() > self.limits.work
    }

    /// Checks a string length before the string is built.
    pub fn check_string(&self, len: usize) -> Result<(), Exceeded> {
        if len > self.limits.string {
            Err(Exceeded::String(self.limits.string))
        } else {
            Ok(())
        }
    }

    /// Checks an array length before the array is built.
    pub fn check_array(&self, len: usize) -> Result<(), Exceeded> {
        if len > self.limits.array {
            Err(Exceeded::Array(self.limits.array))
        } else {
            Ok(())
        }
    }

    /// Checks an object size before the object is built.
    pub fn check_object(&self, len: usize) -> Result<(), Exceeded> {
        if len > self.limits.object {
            Err(Exceeded::Object(self.limits.object))
        } else {
            Ok(())
        }
    }

    /// Admits a value an evaluator built or copied: every string, array and object inside
    /// it must be within the limits, and its [`cost`] is spent. Walks without recursion.
    pub fn admit(&self, n: &Node) -> Result<(), Exceeded> {
        self.admit_grown(n, 0)
    }

    /// Admits a value built from parts already paid for (a function's arguments, whose
    /// costs sum to `paid`): the limits apply to the whole value, but only what it adds
    /// beyond `paid` is spent, so nested calls do not pay again for what they pass on.
    pub fn admit_grown(&self, n: &Node, paid: usize) -> Result<(), Exceeded> {
        let units = self.measure(n, paid)?;
        self.spend(units.saturating_sub(paid))
    }

    /// Checks the limits inside a value and returns its cost; gives up counting once the
    /// cost is past anything the budget could pay (beyond `paid`).
    fn measure(&self, n: &Node, paid: usize) -> Result<usize, Exceeded> {
        let ceiling = self.limits.work.saturating_add(paid);
        let mut units = 0usize;
        let mut stack = vec![n];
        while let Some(n) = stack.pop() {
            units = units.saturating_add(1);
            match &n.kind {
                NodeKind::String(s) => {
                    self.check_string(s.len())?;
                    units = units.saturating_add(s.len() / BYTES_PER_UNIT);
                }
                NodeKind::Array(items) => {
                    self.check_array(items.len())?;
                    stack.extend(items.iter());
                }
                NodeKind::Object(entries) => {
                    self.check_object(entries.len())?;
                    for e in entries {
                        units = units.saturating_add(e.key.len() / BYTES_PER_UNIT);
                        stack.push(&e.value);
                    }
                }
                _ => {}
            }
            if units > ceiling {
                return Err(Exceeded::Work);
            }
        }
        Ok(units)
    }
}

/// Work units of a value: one per node plus one per [`BYTES_PER_UNIT`] bytes of string
/// (values and keys). Walks without recursion.
pub fn cost(n: &Node) -> usize {
    let mut units = 0usize;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        units = units.saturating_add(1);
        match &n.kind {
            NodeKind::String(s) => units = units.saturating_add(s.len() / BYTES_PER_UNIT),
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Object(entries) => {
                for e in entries {
                    units = units.saturating_add(e.key.len() / BYTES_PER_UNIT);
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn s(text: &str) -> Node {
        Node::string(Span::default(), text)
    }

    #[test]
    fn strings_over_the_limit_are_refused_with_the_hcl_wording() {
        let b = Budget::new();
        assert_eq!(b.check_string(MAX_STRING), Ok(()));
        let e = b.check_string(MAX_STRING + 1).unwrap_err();
        assert_eq!(e.to_string(), "the string grows beyond 1 MiB");
        let big = s(&"x".repeat(MAX_STRING + 1));
        assert_eq!(b.admit(&big), Err(Exceeded::String(MAX_STRING)));
    }

    #[test]
    fn arrays_and_objects_are_capped() {
        let b = Budget::with_limits(Limits {
            array: 2,
            object: 1,
            ..Limits::default()
        });
        let arr = Node::new(
            Span::default(),
            NodeKind::Array(vec![s("a"), s("b"), s("c")]),
        );
        assert_eq!(
            b.admit(&arr).unwrap_err().to_string(),
            "the array grows beyond 2 items"
        );
        assert_eq!(
            b.check_object(2).unwrap_err().to_string(),
            "the object grows beyond 1 members"
        );
    }

    #[test]
    fn work_counts_nodes_and_string_bytes_until_spent() {
        let b = Budget::with_limits(Limits {
            work: 10,
            ..Limits::default()
        });
        assert_eq!(cost(&s(&"x".repeat(BYTES_PER_UNIT * 3))), 4);
        assert_eq!(b.admit(&s(&"x".repeat(BYTES_PER_UNIT * 3))), Ok(()));
        assert_eq!(b.spent(), 4);
        assert!(b.spend(6).is_ok());
        assert!(!b.exhausted());
        assert_eq!(b.spend(1), Err(Exceeded::Work));
        assert!(b.exhausted());
        assert_eq!(b.spend(0), Err(Exceeded::Work));
    }

    #[test]
    fn grown_values_pay_only_for_what_they_add() {
        let b = Budget::with_limits(Limits {
            work: 5,
            ..Limits::default()
        });
        let part = Node::new(Span::default(), NodeKind::Array(vec![s("a"), s("b")]));
        let whole = Node::new(Span::default(), NodeKind::Array(vec![part.clone(), part]));
        assert_eq!(cost(&whole), 7);
        assert_eq!(b.admit_grown(&whole, 6), Ok(()));
        assert_eq!(b.spent(), 1);
        assert_eq!(b.admit(&whole), Err(Exceeded::Work));
    }
}
