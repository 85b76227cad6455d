use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use akslint::check::{check, CheckOptions};
use akslint::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format};
use akslint::diagnostic::Severity;
use akslint::report::{self, Summary};
use akslint::rules;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules => {
            print_out(&rules_table());
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
        ..CheckOptions::default()
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
    let text = match args.format {
        Format::Human => report::human::render(
            &result.diagnostics,
            &result.sources,
            &summary,
            &report::human::Options {
                color: use_color(args.color),
                width: terminal_width(),
                show_elapsed: true,
            },
        ),
        Format::Json => report::json::render(&result.diagnostics, &result.sources, &summary),
    };
    print_out(&text);
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

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}
