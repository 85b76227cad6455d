//! Command-line interface (clap derive types only).

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "akslint",
    version,
    about = "Lint the network configuration of Azure Kubernetes Service clusters",
    long_about = "akslint reads exported Azure JSON (ARM templates, parameter files, az CLI output, \
                  Resource Graph results) and reports what is wrong with AKS cluster networking, \
                  with the exact line and column."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files or directories (recursively); `-` reads standard input.
    Check(CheckArgs),
    /// List every rule: code, name, default severity and summary.
    Rules(RulesArgs),
    /// Print the long explanation of a rule.
    Explain {
        /// Rule code (`AKS004`) or name (`cni-subnet-too-small`).
        rule: String,
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
    /// summary still goes to standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Exit with 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// ARM parameter file to apply to the templates (repeatable), besides the
    /// automatic pairing of `X.parameters*.json` with `X.json`.
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<String>,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
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
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format: a table, JSON, or the Markdown table of the README.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
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
