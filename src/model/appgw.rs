//! Application Gateways: the gateways the Application Gateway Ingress
//! Controller (AGIC) add-on programs, with their SKU and subnet (F-096).

use super::registry::model_object;
use super::{Field, ResourceId, SubnetIdx};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct ApplicationGateway {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        /// Resolved after linking: the subnet `subnet_id` names.
        pub subnet: Option<SubnetIdx>,
    }
    fields {
        /// `sku.tier`: `Standard`/`WAF` (v1), `Standard_v2`/`WAF_v2`, `Basic`.
        sku_tier: Field<String>,
        /// `sku.name`: `Standard_Small`…`WAF_Large` (v1), `Standard_v2`, `WAF_v2`, `Basic`.
        sku_name: Field<String>,
        /// `gatewayIPConfigurations[0].properties.subnet.id`: the gateway's own subnet.
        subnet_id: Field<ResourceId>,
    }
}

impl ApplicationGateway {
    /// True when the SKU is known to be v1 (`Standard`/`WAF` tier, or a v1 size name).
    pub fn is_v1(&self) -> bool {
        let v1 = |s: &str| {
            let s = s.to_ascii_lowercase();
            s == "standard"
                || s == "waf"
                || s.starts_with("standard_") && !s.ends_with("_v2")
                || s.starts_with("waf_") && !s.ends_with("_v2")
        };
        self.sku_tier.known().is_some_and(|t| v1(t)) || self.sku_name.known().is_some_and(|n| v1(n))
    }

    /// The SKU as written, for messages.
    pub fn sku_text(&self) -> Option<&str> {
        self.sku_name
            .known()
            .or(self.sku_tier.known())
            .map(String::as_str)
    }

    /// The span of the SKU value a person edits.
    pub fn sku_span(&self) -> Span {
        self.sku_name
            .span()
            .or(self.sku_tier.span())
            .unwrap_or(self.decl)
    }
}
