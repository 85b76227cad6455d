// TEMPORARY placeholder until the arm-eval branch merges (not committed).
use crate::source::Span;
use crate::syntax::Node;
pub struct ArmResource {
    pub resource_type: String,
    pub node: Node,
    pub id: Option<String>,
    pub decl: Span,
}
pub struct TemplateOutput {
    pub resources: Vec<ArmResource>,
}
pub fn evaluate_template(_root: &Node, _p: &[&Node]) -> TemplateOutput {
    TemplateOutput {
        resources: Vec::new(),
    }
}
