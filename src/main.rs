use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use akslint::baseline::{self, Baseline};
use akslint::check::{check_in_pool, CheckOptions};
use akslint::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format, RulesFormat, SchemaKind};
use akslint::config::{self, Config};
use akslint::diagnostic::Severity;
use akslint::report::{self, Summary};
use akslint::source::{FileId, SourceMap};
use akslint::{docs, rules};

// A check allocates millions of small strings and nodes and frees them in
// bulk; glibc's allocator spent a third of a 50 MB run in malloc and free,
// more the bigger the heap.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules(args) => {
            if let Err(code) = load_user_rules(&args.rules, None, use_color(ColorChoice::Auto)) {
                return code;
            }
            print_out(&match args.format {
                RulesFormat::Human => rules_table(),
                RulesFormat::Json => docs::rules_json(),
                RulesFormat::Markdown => docs::rules_markdown_table(),
            });
            ExitCode::SUCCESS
        }
        Command::Init { path, force } => init(&path, force),
        Command::Schema { what } => {
            let schema = match what {
                SchemaKind::Rules => rules::declarative::schema::rules_schema_text(),
                SchemaKind::Model => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&rules::declarative::fields::model_schema())
                        .unwrap_or_default()
                ),
            };
            print_out(&schema);
            ExitCode::SUCCESS
        }
        Command::Capacity(args) => {
            let answer = akslint::capacity::command::run(&args);
            eprint!("{}", answer.stderr);
            print_out(&answer.stdout);
            ExitCode::from(answer.code)
        }
        Command::NsgCheck(args) => {
            let answer = akslint::nsg_check::run(&args);
            eprint!("{}", answer.stderr);
            print_out(&answer.stdout);
            ExitCode::from(answer.code)
        }
        Command::Explain { rule, rules: packs } => {
            if let Err(code) = load_user_rules(&packs, None, use_color(ColorChoice::Auto)) {
                return code;
            }
            explain(&rule)
        }
    }
}

fn explain(rule: &str) -> ExitCode {
    match rules::find(rule) {
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
            if let Some(url) = rules::user_rule_url(m.code) {
                print_out(&format!("\nMore: {url}\n"));
            }
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("akslint: no rule with code or name `{rule}` (see `akslint rules`)");
            ExitCode::from(2)
        }
    }
}

/// Loads the user rule packs named on the command line and in the
/// configuration (`config`, else akslint.toml found upwards) and registers them
/// for the run. A bad rule file is a located error and exit code 2.
fn load_user_rules(
    flags: &[String],
    config: Option<&std::path::Path>,
    color: bool,
) -> Result<(), ExitCode> {
    let found = match config {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    let mut packs: Vec<std::path::PathBuf> = flags.iter().map(std::path::PathBuf::from).collect();
    packs.extend(found.as_deref().map(config::rule_packs).unwrap_or_default());
    if packs.is_empty() {
        return Ok(());
    }
    let mut sources = SourceMap::default();
    match rules::declarative::load_user_packs(&packs, &mut sources) {
        Ok(loaded) => {
            rules::register_user_rules(loaded);
            Ok(())
        }
        Err((io_errors, diagnostics)) => {
            for e in io_errors {
                eprintln!("akslint: cannot read rules: {e}");
            }
            if !diagnostics.is_empty() {
                eprint_located(&diagnostics, &sources, color);
            }
            Err(ExitCode::from(2))
        }
    }
}

/// Renders errors in a configuration or rule file, without the summary line.
fn eprint_located(
    diagnostics: &[akslint::diagnostic::Diagnostic],
    sources: &SourceMap,
    color: bool,
) {
    let opts = report::human::Options {
        color,
        width: terminal_width(),
        show_elapsed: false,
    };
    let text = report::human::render(diagnostics, sources, &Summary::default(), &opts);
    // The summary line of an empty run says nothing useful here.
    let body: Vec<&str> = text.lines().collect();
    let body = body[..body.len().saturating_sub(1)].join("\n");
    eprintln!("{}", body.trim_end());
}

fn rules_table() -> String {
    let mut out = String::new();
    // The name column fits the longest name, so the columns stay aligned as rules are added.
    let width = rules::all()
        .iter()
        .map(|r| r.meta().name.len())
        .max()
        .unwrap_or(0);
    for r in rules::all() {
        let m = r.meta();
        out.push_str(&format!(
            "{:<7} {:<width$} {:<8} {}\n",
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

fn init(path: &str, force: bool) -> ExitCode {
    if !force && std::path::Path::new(path).exists() {
        eprintln!("akslint: {path} exists; use --force to overwrite it");
        return ExitCode::from(2);
    }
    match std::fs::write(path, config::STARTER) {
        Ok(()) => {
            eprintln!("akslint: wrote {path}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("akslint: cannot write {path}: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads the configuration (given, or found upwards from the working directory)
/// and applies the command line's selection on top.
fn load_config(args: &CheckArgs, color: bool) -> Result<Config, ExitCode> {
    let path = match &args.config {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    // User rules first: the configuration may name their codes.
    load_user_rules(&args.rules, path.as_deref(), color)?;
    let mut cfg = match path {
        Some(p) => config::load(&p, FileId(0)).map_err(|e| {
            let mut sources = SourceMap::default();
            sources.add(relative_to_cwd(&e.path), e.text.clone());
            eprint_located(std::slice::from_ref(&*e.diagnostic), &sources, color);
            ExitCode::from(2)
        })?,
        None => Config::default(),
    };
    if cfg.path.is_none() {
        cfg.root = std::path::PathBuf::from(".");
    }
    for (flag, list) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        if let Some(bad) = list.iter().find(|s| {
            rules::all()
                .iter()
                .all(|r| !config::selector_matches(s, r.meta().code, r.meta().name))
        }) {
            eprintln!("akslint: {flag} {bad}: no rule has this code, name or code prefix (see `akslint rules`)");
            return Err(ExitCode::from(2));
        }
    }
    // Either flag puts the rule set in the command line's hands.
    if !args.select.is_empty() || !args.ignore.is_empty() {
        cfg.select = args.select.clone();
        cfg.ignore = args.ignore.clone();
    }
    Ok(cfg)
}

/// `/home/me/repo/akslint.toml` → `akslint.toml` when run from `/home/me/repo`.
fn relative_to_cwd(path: &str) -> String {
    let p = std::path::Path::new(path);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            p.strip_prefix(cwd)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| path.to_string())
}

fn load_baseline(path: &str) -> Result<Baseline, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("akslint: cannot read baseline {path}: {e}");
        ExitCode::from(2)
    })?;
    baseline::parse(&text).map_err(|e| {
        eprintln!("akslint: {path}: {e}");
        ExitCode::from(2)
    })
}

fn fail_on(args: &CheckArgs, cfg: &Config) -> Option<Severity> {
    let from_config = cfg
        .fail_on
        .as_deref()
        .and_then(|f| FailOn::from_str(f, true).ok());
    match args.fail_on.or(from_config).unwrap_or(FailOn::Error) {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    let color = use_color(args.color);
    let cfg = match load_config(&args, color) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let baseline = match &args.baseline {
        Some(p) => match load_baseline(p) {
            Ok(b) => Some(b),
            Err(code) => return code,
        },
        None => None,
    };
    let threshold = fail_on(&args, &cfg);
    let opts = CheckOptions {
        paths: args.paths.clone(),
        parameters: args.parameters.clone(),
        config: cfg,
        baseline,
        with_siblings: args.with_siblings,
        max_file_size: Some(args.max_file_size),
    };
    let mut result = check_in_pool(&opts, args.threads.map(usize::from));
    for e in &result.path_errors {
        eprintln!("akslint: {e}");
    }
    report::sort(&mut result.diagnostics, &result.sources);
    if let Some(path) = &args.write_baseline {
        let b = baseline::build(&result.diagnostics, &result.sources);
        return match std::fs::write(path, baseline::to_json(&b)) {
            Ok(()) => {
                eprintln!("akslint: recorded {} findings in {path}", b.findings.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("akslint: cannot write {path}: {e}");
                ExitCode::from(2)
            }
        };
    }
    let (errors, warnings, infos) = report::count(&result.diagnostics);
    let summary = Summary {
        files: result.sources.len(),
        resources: result.inventory.resource_count(),
        errors,
        warnings,
        infos,
        elapsed: result.elapsed,
    };
    let text = render(
        &args,
        &result.diagnostics,
        &result.sources,
        &summary,
        (&result.inventory, &opts.config.thresholds),
    );
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
    if result.baselined > 0 {
        eprintln!(
            "akslint: {} findings hidden by the baseline",
            result.baselined
        );
    }
    // A commit touching no Azure input is not a failure of the hook.
    if result.nothing_checked() && !args.with_siblings {
        eprintln!("akslint: no input could be read or recognised as Azure configuration");
        return ExitCode::from(2);
    }
    // An input that could not be read (missing, unreadable, not a regular file,
    // over --max-file-size) means the check is incomplete, whatever was found.
    if !result.path_errors.is_empty() {
        return ExitCode::from(2);
    }
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
    (inventory, thresholds): (&akslint::model::Inventory, &rules::Thresholds),
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
        Format::Html => report::html::render(&report::html::Page {
            diagnostics: diags,
            sources,
            inventory,
            thresholds,
            summary,
            command: &command_line(),
            version: env!("CARGO_PKG_VERSION"),
            base,
        }),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}

/// The command line as typed, for the HTML report's header; arguments with
/// spaces or quotes are quoted.
fn command_line() -> String {
    let mut args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .map(|a| {
            if a.is_empty() || a.contains([' ', '"', '\'', '\t']) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect();
    // The program as a user names it, not the path it was run from.
    if let Some(first) = args.first_mut() {
        *first = "akslint".to_string();
    }
    args.join(" ")
}
