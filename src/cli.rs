//! Command-line interface (clap derive types only).

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "akslint",
    version,
    about = "Lint the network configuration of Azure Kubernetes Service clusters",
    long_about = "akslint reads the network configuration of Azure Kubernetes Service clusters and \
                  reports what is wrong with it, with the exact line and column.\n\n\
                  Inputs: ARM templates (also `az group export`, portal exports, compiled Bicep) and \
                  ARM parameter files; az CLI output (JSON or YAML); `az resource show` and REST \
                  bodies; Azure Resource Graph results; Terraform plans (`terraform show -json`); \
                  Terraform configurations (`.tf`, `.tfvars`, `.tf.json`, Terraform-shaped YAML); \
                  Crossplane, Azure Service Operator and Cluster API Provider Azure (CAPZ) manifests.",
    after_help = "Documentation: `akslint explain CODE`, https://github.com/akslint/akslint/tree/main/docs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files or directories (recursively); `-` reads standard input.
    ///
    /// Reads ARM templates and parameter files, az CLI and REST output, Resource Graph
    /// results, Terraform plans and configurations, and Crossplane, ASO and CAPZ manifests.
    Check(CheckArgs),
    /// List every rule: code, name, default severity and summary.
    Rules(RulesArgs),
    /// Print the long explanation of a rule.
    Explain {
        /// Rule code (`AKS004`) or name (`cni-subnet-too-small`).
        rule: String,
        /// Also load the rule files in this directory or file (repeatable).
        #[arg(long = "rules", value_name = "DIR_OR_FILE")]
        rules: Vec<String>,
    },
    /// Ask the NSG evaluator what one NSG does to a flow, and which rules decide it.
    ///
    /// Exit code 0 when the flow is allowed (in every direction asked), 1 when it is
    /// denied, partly denied or unknown, 2 when the NSG can't be found or is ambiguous.
    NsgCheck(NsgCheckArgs),
    /// Print a JSON Schema: `rules` for rule files (editors autocomplete with it),
    /// `model` for the fields rules can name.
    Schema {
        #[arg(value_enum)]
        what: SchemaKind,
    },
    /// Print a shell completion script: `akslint completions bash > ~/.local/share/bash-completion/completions/akslint`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `akslint manpage > ~/.local/share/man/man1/akslint.1`.
    Manpage,
    /// Show how full every node and pod subnet and pod CIDR gets at maximum scale.
    Capacity(CapacityArgs),
    /// Write a commented starter `akslint.toml`.
    Init {
        /// Where to write it.
        #[arg(default_value = "akslint.toml")]
        path: String,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files, directories, or `-` for standard input [default: the current directory].
    pub paths: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output; the one-line
    /// summary still goes to standard output. FILE is replaced atomically and
    /// may not be a file the check reads.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Exit with 1 when a finding at or above this severity exists
    /// [default: `fail-on` in akslint.toml, else error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// ARM parameter file to apply to the templates (repeatable), besides the
    /// automatic pairing of `X.parameters*.json` with `X.json`.
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<String>,

    /// Configuration file [default: the nearest akslint.toml above the working directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Load declarative rules from this YAML file, or from every *.yaml/*.yml
    /// directly in this directory (repeatable), besides `rules` in akslint.toml.
    #[arg(long = "rules", value_name = "DIR_OR_FILE")]
    pub rules: Vec<String>,

    /// Run only these rules: codes, names or code prefixes (comma-separated, repeatable);
    /// with --ignore, replaces the configuration's `select` and `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Never run these rules (comma-separated, repeatable); with --select, replaces the
    /// configuration's `select` and `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Add these rules to the selection (comma-separated, repeatable); a no-op when every
    /// rule is selected already.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,

    /// Also never run these rules, besides `ignore` (comma-separated, repeatable);
    /// takes non-rule codes too (`unused-suppression`, `terraform-not-evaluated`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_ignore: Vec<String>,

    /// Print the findings only: no summary line, no "No problems found".
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print how many findings each code has instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    /// The path standard input stands for: shown in findings and reports (SARIF
    /// artifact URI) and matched by `[[per-path]]` globs.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,

    /// Report only findings that are not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,

    /// Record today's findings in this baseline file and exit 0; with --output,
    /// the report is written too. The file is replaced atomically and may not be
    /// a file the check reads.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<String>,

    /// Also read the other inputs in the folders of the files given, so resources
    /// link across files, and report only on the files given (for pre-commit).
    #[arg(long)]
    pub with_siblings: bool,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Do not read files larger than this (`input-too-large`): bytes, or a number
    /// with `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024).
    /// The default keeps the worst file within a 4 GB CI runner; raise it to
    /// audit a larger export you made yourself.
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Worker threads for reading, parsing and the rules [default: all cores]; 1 runs sequentially.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// `512MB` → 512,000,000; `1GiB` → 1,073,741,824; `4096` → 4096.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: expected e.g. 1048576, 512MB or 1GiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "tb" => 1000 * 1000 * 1000 * 1000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ))
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512MB"), Ok(512_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("10 kb"), Ok(10_000));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }
}

#[derive(Debug, clap::Args)]
pub struct NsgCheckArgs {
    /// Files or directories holding the NSG (and the subnets and VNets around it).
    #[arg(required = true)]
    pub paths: Vec<String>,

    /// The NSG's name (case-insensitive).
    #[arg(long, value_name = "NAME")]
    pub nsg: String,

    /// Source addresses of the flow (a CIDR or an address).
    #[arg(long, value_name = "CIDR")]
    pub from: String,

    /// Destination addresses of the flow (a CIDR or an address).
    #[arg(long, value_name = "CIDR")]
    pub to: String,

    /// Destination port: `443`, a range `1000-2000`, or `*`.
    #[arg(long, default_value = "*")]
    pub port: String,

    /// Protocol of the flow.
    #[arg(long, value_enum, default_value_t = FlowProtocol::Any)]
    pub protocol: FlowProtocol,

    /// Direction in which the flow crosses the NSG [default: both].
    #[arg(long, value_enum)]
    pub direction: Option<FlowDirection>,

    /// ARM parameter file to apply to the templates (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowProtocol {
    Tcp,
    Udp,
    Icmp,
    Esp,
    Ah,
    #[value(alias = "*")]
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowDirection {
    Inbound,
    Outbound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Annotated source snippets.
    Human,
    /// One JSON object with every diagnostic and a summary.
    Json,
    /// One JSON object per diagnostic, one per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other review tools.
    Sarif,
    /// JUnit XML, for Azure Pipelines and GitLab test reports.
    Junit,
    /// GitHub Actions annotations (`::error file=…`).
    Github,
    /// One self-contained HTML page: network map, capacity bars and findings (use with --output).
    Html,
}

#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// Files, directories, or `-` for standard input [default: the current directory].
    pub paths: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CapacityFormat::Table)]
    pub format: CapacityFormat,

    /// Recompute as if pool POOL (`cluster/pool`, or a pool name) could reach N
    /// nodes, and list the findings that would appear (repeatable).
    #[arg(long = "what-if", value_name = "POOL=N", value_parser = crate::capacity::what_if::parse)]
    pub what_if: Vec<crate::capacity::what_if::WhatIf>,

    /// ARM parameter file to apply to the templates (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<String>,

    /// Configuration file (thresholds, rule selection)
    /// [default: akslint.toml in the working directory or a parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapacityFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format: a table, JSON, or the Markdown table of the README.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,

    /// Also load the rule files in this directory or file (repeatable).
    #[arg(long = "rules", value_name = "DIR_OR_FILE")]
    pub rules: Vec<String>,

    /// Also list the codes that are not rules (`parse-error`, `unused-suppression`, …).
    #[arg(long)]
    pub all: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The rule file format.
    Rules,
    /// The model's object kinds and fields.
    Model,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
