//! The first-match walk over the flow space, with three-valued matching.
//!
//! Each live piece of the flow remembers the accesses that rules which *may*
//! have matched it would have given. A rule that certainly matches a piece
//! finishes it; the piece's outcome is then the set of accesses it may have got.
//! The set over-approximates per packet, so an outcome reported as certain is
//! certain in every reading of the unknown values.

use super::rule::{Labels, RuleSpace, ALLOW, DENY};
use super::space::Block;
use super::{Access, Decider, Decision, Outcome, Verdict};

/// Beyond this many pieces the answer is `Unknown` rather than slow.
const MAX_PIECES: usize = 20_000;

struct Piece {
    block: Block,
    seen: Labels,
}

pub(crate) struct Walk {
    live: Vec<Piece>,
    deciding: Vec<Decision>,
    uncertain: Vec<Decider>,
    some_allowed: bool,
    some_denied: bool,
    some_open: bool,
    overflow: bool,
    limit: usize,
}

impl Walk {
    pub(crate) fn new(flow: Vec<Block>) -> Walk {
        let live = flow
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(|block| Piece { block, seen: 0 })
            .collect();
        Walk {
            live,
            deciding: Vec::new(),
            uncertain: Vec::new(),
            some_allowed: false,
            some_denied: false,
            some_open: false,
            overflow: false,
            limit: MAX_PIECES,
        }
    }

    #[cfg(test)]
    pub(crate) fn with_limit(flow: Vec<Block>, limit: usize) -> Walk {
        Walk {
            limit,
            ..Walk::new(flow)
        }
    }

    /// A rule in its place in the priority order.
    pub(crate) fn apply(&mut self, rule: &RuleSpace, by: Decider) {
        self.step(rule, &rule.definite, by);
    }

    /// A rule that may match but of which nothing is certain (its direction or
    /// its priority is unknown): it never finishes a piece.
    pub(crate) fn apply_maybe(&mut self, rule: &RuleSpace, by: Decider) {
        let nothing = Block(std::array::from_fn(|_| Default::default()));
        self.step(rule, &nothing, by);
    }

    fn step(&mut self, rule: &RuleSpace, definite: &Block, by: Decider) {
        if self.overflow {
            return;
        }
        let mut next = Vec::with_capacity(self.live.len());
        for piece in std::mem::take(&mut self.live) {
            let Some(hit) = piece.block.intersect(&rule.possible) else {
                next.push(piece);
                continue;
            };
            for rest in piece.block.minus(&rule.possible) {
                next.push(Piece {
                    block: rest,
                    seen: piece.seen,
                });
            }
            let seen = piece.seen | rule.access;
            if rule.access == ALLOW | DENY {
                self.note_uncertain(by);
            }
            let unsure = match hit.intersect(definite) {
                Some(sure) => {
                    self.finish(seen, by);
                    hit.minus(&sure)
                }
                None => vec![hit],
            };
            if !unsure.is_empty() {
                self.note_uncertain(by);
            }
            next.extend(unsure.into_iter().map(|block| Piece { block, seen }));
        }
        self.overflow = next.len() > self.limit;
        self.live = next;
    }

    fn finish(&mut self, outcome: Labels, by: Decider) {
        let access = match outcome {
            ALLOW => Access::Allow,
            DENY => Access::Deny,
            _ => {
                self.some_open = true;
                return;
            }
        };
        match access {
            Access::Allow => self.some_allowed = true,
            Access::Deny => self.some_denied = true,
        }
        let decision = Decision { by, access };
        if !self.deciding.contains(&decision) {
            self.deciding.push(decision);
        }
    }

    fn note_uncertain(&mut self, by: Decider) {
        if !self.uncertain.contains(&by) {
            self.uncertain.push(by);
        }
    }

    pub(crate) fn verdict(self) -> Verdict {
        // Anything still live was matched by no rule we could read to the end.
        let open = self.some_open || !self.live.is_empty() || self.overflow;
        let outcome = match (self.some_allowed, self.some_denied, open) {
            (true, true, _) => Outcome::Partial,
            (true, false, false) => Outcome::Allowed,
            (false, true, false) => Outcome::Denied,
            _ => Outcome::Unknown,
        };
        let uncertain = match outcome {
            Outcome::Unknown => self.uncertain,
            _ => Vec::new(),
        };
        Verdict {
            outcome,
            deciding: self.deciding,
            uncertain,
            some_allowed: self.some_allowed,
            some_denied: self.some_denied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nsg::space::Ranges;

    fn block(hi: u128) -> Block {
        Block(std::array::from_fn(|_| Ranges::span(0, hi)))
    }

    fn rule(hi: u128, access: Labels) -> RuleSpace {
        RuleSpace {
            definite: block(hi),
            possible: block(hi),
            access,
        }
    }

    #[test]
    fn too_many_pieces_give_unknown_not_a_guess() {
        let mut walk = Walk::with_limit(vec![block(9)], 3);
        walk.apply(&rule(4, DENY), Decider::Rule(0));
        walk.apply(&rule(9, ALLOW), Decider::Rule(1));
        let v = walk.verdict();
        assert_eq!(v.outcome, Outcome::Unknown);
        // What was certain before the cut stays certain.
        assert!(v.some_denied());
    }

    #[test]
    fn without_a_limit_the_same_walk_is_partial() {
        let mut walk = Walk::new(vec![block(9)]);
        walk.apply(&rule(4, DENY), Decider::Rule(0));
        walk.apply(&rule(9, ALLOW), Decider::Rule(1));
        assert_eq!(walk.verdict().outcome, Outcome::Partial);
    }
}
