#![no_main]
//! One ARM template expression, evaluated inside a minimal template: as a
//! variable, a resource name, a property and an output.
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|expr: &str| {
    let e = json_string(&format!("[{expr}]"));
    let text = format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "p": {{ "type": "string", "defaultValue": "10.0.0.0/16" }} }},
  "variables": {{ "v": {e} }},
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-04-01",
      "name": {e},
      "location": "westeurope",
      "properties": {{
        "addressSpace": {{ "addressPrefixes": [ {e}, "[variables('v')]" ] }}
      }}
    }}
  ],
  "outputs": {{ "o": {{ "type": "string", "value": {e} }} }}
}}"#
    );
    let root =
        akslint::syntax::json::parse(FileId(0), &text).expect("the template shell is valid JSON");
    let _ = akslint::ingest::arm::evaluate_template(&root, &[]);
});
