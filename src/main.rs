use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use akslint::check::{check, CheckOptions};
use akslint::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format, RulesFormat};
use akslint::diagnostic::Severity;
use akslint::report::{self, Summary};
use akslint::{docs, rules};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules(args) => {
            print_out(&match args.format {
                RulesFormat::Human => rules_table(),
                RulesFormat::Json => docs::rules_json(),
                RulesFormat::Markdown => docs::rules_markdown_table(),
            });
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                let m = r.meta();
                print_out(&format!(
                    "{} {} ({}, {})\n\n{}\n\n{}\n",
                    m.code,
                    m.name,
                    m.default_severity,
                    m.category.as_str(),
                    m.summary,
                    m.explanation_text()
                ));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("akslint: no rule with code or name `{rule}` (see `akslint rules`)");
                ExitCode::from(2)
            }
        },
    }
}

fn rules_table() -> String {
    let mut out = String::new();
    for r in rules::all() {
        let m = r.meta();
        out.push_str(&format!(
            "{:<7} {:<26} {:<8} {}\n",
            m.code,
            m.name,
            m.default_severity.as_str(),
            m.summary
        ));
    }
    out
}

/// Writes to stdout; a closed pipe (`akslint … | head`) is not an error.
fn print_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    let opts = CheckOptions {
        paths: args.paths.clone(),
        parameters: args.parameters.clone(),
    };
    let mut result = check(&opts, &mut std::io::stdin().lock());
    for e in &result.path_errors {
        eprintln!("akslint: {e}");
    }
    report::sort(&mut result.diagnostics, &result.sources);
    let (errors, warnings, infos) = report::count(&result.diagnostics);
    let summary = Summary {
        files: result.sources.len(),
        resources: result.inventory.resource_count(),
        errors,
        warnings,
        infos,
        elapsed: result.elapsed,
    };
    let text = render(&args, &result.diagnostics, &result.sources, &summary);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("akslint: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
            let line = report::human::summary_line(result.diagnostics.is_empty(), &summary, true);
            print_out(&format!("{line}\n"));
        }
        None => print_out(&text),
    }
    if result.nothing_checked() {
        eprintln!("akslint: no input could be read or recognised as Azure configuration");
        return ExitCode::from(2);
    }
    if !result.path_errors.is_empty() {
        return ExitCode::from(2);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| result.diagnostics.iter().any(|d| d.severity >= t));
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn render(
    args: &CheckArgs,
    diags: &[akslint::diagnostic::Diagnostic],
    sources: &akslint::source::SourceMap,
    summary: &Summary,
) -> String {
    // CI tools want paths relative to the checkout, which is where they run us.
    let cwd = std::env::current_dir().ok();
    let base = cwd.as_deref();
    match args.format {
        Format::Human => report::human::render(
            diags,
            sources,
            summary,
            &report::human::Options {
                // A report file gets no escape codes, whatever the terminal.
                color: args.output.is_none() && use_color(args.color),
                width: terminal_width(),
                show_elapsed: true,
            },
        ),
        Format::Json => report::json::render(diags, sources, summary),
        Format::JsonLines => report::jsonl::render(diags, sources),
        Format::Sarif => report::sarif::render(diags, sources, base),
        Format::Junit => report::junit::render(diags, sources, base),
        Format::Github => report::github::render(diags, sources, base),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}
