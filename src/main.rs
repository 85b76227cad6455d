use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, ValueEnum};

use akslint::baseline::{self, Baseline};
use akslint::check::{check_in_pool, CheckOptions};
use akslint::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format, RulesFormat, SchemaKind};
use akslint::config::{self, Config};
use akslint::diagnostic::Severity;
use akslint::report::{self, Summary};
use akslint::rules::codes;
use akslint::source::{FileId, SourceMap};
use akslint::{discover, docs, rules};

/// `eprintln!` that cannot panic: a closed or full standard error loses the
/// message, not the run (and its exit code).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that cannot panic.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

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
            if let Err(code) = load_user_rules(&args.rules, None, &[], use_color(ColorChoice::Auto))
            {
                return code;
            }
            let text = match args.format {
                RulesFormat::Human => rules_table(args.all),
                RulesFormat::Json => docs::rules_json_with(args.all),
                RulesFormat::Markdown if args.all => format!(
                    "{}\n{}",
                    docs::rules_markdown_table(),
                    docs::codes_markdown_table()
                ),
                RulesFormat::Markdown => docs::rules_markdown_table(),
            };
            printed(&text, ExitCode::SUCCESS)
        }
        Command::Init { path, force } => init(&path, force),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "akslint", &mut out);
            printed(&String::from_utf8_lossy(&out), ExitCode::SUCCESS)
        }
        Command::Manpage => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => printed(&String::from_utf8_lossy(&out), ExitCode::SUCCESS),
                Err(e) => {
                    say!("akslint: cannot render the man page: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Schema { what } => {
            let schema = match what {
                SchemaKind::Rules => rules::declarative::schema::rules_schema_text(),
                SchemaKind::Model => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&rules::declarative::fields::model_schema())
                        .unwrap_or_default()
                ),
            };
            printed(&schema, ExitCode::SUCCESS)
        }
        Command::Capacity(args) => {
            let answer = akslint::capacity::command::run(&args);
            say_raw!("{}", answer.stderr);
            printed(&answer.stdout, ExitCode::from(answer.code))
        }
        Command::NsgCheck(args) => {
            let answer = akslint::nsg_check::run(&args);
            say_raw!("{}", answer.stderr);
            printed(&answer.stdout, ExitCode::from(answer.code))
        }
        Command::Explain { rule, rules: packs } => {
            if let Err(code) = load_user_rules(&packs, None, &[], use_color(ColorChoice::Auto)) {
                return code;
            }
            explain(&rule)
        }
    }
}

fn explain(rule: &str) -> ExitCode {
    let (code, text) = if let Some(r) = rules::find(rule) {
        let m = r.meta();
        let text = format!(
            "{} {} ({}, {})\n\n{}\n\n{}\n",
            m.code,
            m.name,
            m.default_severity,
            m.category.as_str(),
            m.summary,
            m.explanation_text()
        );
        (m.code, text)
    } else if let Some(c) = codes::find(rule) {
        let text = format!(
            "{} ({}, not a rule)\n\n{}\n\n{}\n",
            c.code,
            c.default_severity,
            c.summary,
            c.explanation_text()
        );
        (c.code, text)
    } else {
        let rule = report::escape::escape(rule);
        say!("akslint: no rule or code `{rule}` (see `akslint rules --all`)");
        return ExitCode::from(2);
    };
    let mut text = text;
    if let Some(url) = codes::doc_url(code) {
        text.push_str(&format!("\nDocumentation: {url}\n"));
    }
    printed(&text, ExitCode::SUCCESS)
}

/// Loads the user rule packs named on the command line and in the
/// configuration (`config`, else akslint.toml found upwards) and registers them
/// for the run. A bad rule file is a located error and exit code 2.
fn load_user_rules(
    flags: &[String],
    config: Option<&std::path::Path>,
    nested: &[std::path::PathBuf],
    color: bool,
) -> Result<(), ExitCode> {
    let found = match config {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    if let Some(url) = found.as_deref().and_then(config::docs_url) {
        codes::set_docs_base(&url);
    }
    let mut packs: Vec<std::path::PathBuf> = flags.iter().map(std::path::PathBuf::from).collect();
    packs.extend(found.as_deref().map(config::rule_packs).unwrap_or_default());
    for p in nested.iter().flat_map(|c| config::rule_packs(c)) {
        if !packs.contains(&p) {
            packs.push(p);
        }
    }
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
                say!("akslint: cannot read rules: {}", report::escape::escape(&e));
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
    say!("{}", body.trim_end());
}

fn rules_table(all: bool) -> String {
    let mut out = String::new();
    // The name column fits the longest name, so the columns stay aligned as rules are added.
    let width = rules::all()
        .iter()
        .map(|r| r.meta().name.len())
        .chain(codes::CODES.iter().map(|c| c.code.len()).filter(|_| all))
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
    if all {
        out.push_str("\nNot rules (akslint explain CODE):\n");
        for c in codes::CODES {
            out.push_str(&format!(
                "{:<7} {:<width$} {:<8} {}\n",
                "",
                c.code,
                c.default_severity.as_str(),
                c.summary
            ));
        }
    }
    out
}

/// Writes to standard output. A closed pipe (`akslint … | head -1`) is not an
/// error: the reader has what it wanted and the exit code still tells the
/// outcome. Any other failure (a full disk) means the output is lost or cut
/// short: exit code 2 with a message.
fn print_out(text: &str) -> Result<(), ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            say!("akslint: cannot write to standard output: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// `code` once `text` is on standard output, else exit code 2.
fn printed(text: &str, code: ExitCode) -> ExitCode {
    match print_out(text) {
        Ok(()) => code,
        Err(failed) => failed,
    }
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
        say!("akslint: {path} exists; use --force to overwrite it");
        return ExitCode::from(2);
    }
    match std::fs::write(path, config::STARTER) {
        Ok(()) => {
            say!("akslint: wrote {path}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("akslint: cannot write {path}: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads the configuration (given, or found upwards from the working directory)
/// and applies the command line's selection on top.
/// The base configuration (`--config`, else the nearest akslint.toml above the
/// working directory) and, without `--config`, the nearer ones that govern
/// inputs in other folders; the command line's selection applies to each.
fn load_config(args: &CheckArgs, color: bool) -> Result<(Config, Vec<Config>), ExitCode> {
    let path = match &args.config {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    let nested = match &args.config {
        Some(_) => Vec::new(),
        None => nested_config_paths(&args.paths, path.as_deref()),
    };
    // User rules first: the configuration may name their codes.
    load_user_rules(&args.rules, path.as_deref(), &nested, color)?;
    let mut cfg = match path {
        Some(p) => read_config(&p, color)?,
        None => Config::default(),
    };
    if cfg.path.is_none() {
        cfg.root = std::path::PathBuf::from(".");
    }
    // The flags are checked (and their mistakes said) once, on the base.
    apply_selection_flags(&mut cfg, args)?;
    let mut others = Vec::new();
    for p in &nested {
        let mut c = read_config(p, color)?;
        apply_selection_flags(&mut c, args)?;
        others.push(c);
    }
    Ok((cfg, others))
}

/// The akslint.toml files nearer to some input than the base configuration.
fn nested_config_paths(
    paths: &[String],
    base: Option<&std::path::Path>,
) -> Vec<std::path::PathBuf> {
    let paths = if paths.is_empty() {
        vec![".".to_string()]
    } else {
        paths.to_vec()
    };
    let base = base.and_then(|b| b.canonicalize().ok());
    discover::governing_files(&paths, config::FILE_NAME)
        .into_iter()
        .filter(|p| p.canonicalize().ok() != base)
        .collect()
}

/// One configuration file, its mistakes printed (all of them) on failure.
fn read_config(path: &std::path::Path, color: bool) -> Result<Config, ExitCode> {
    config::load(path, FileId(0)).map_err(|e| {
        let mut sources = SourceMap::default();
        sources.add(relative_to_cwd(&e.path), e.text.clone());
        let mut all = vec![(*e.diagnostic).clone()];
        all.extend(e.also.iter().cloned());
        eprint_located(&all, &sources, color);
        ExitCode::from(2)
    })
}

/// `--select`/`--ignore` replace a configuration's selection; the `--extend-`
/// flags add to it.
fn apply_selection_flags(cfg: &mut Config, args: &CheckArgs) -> Result<(), ExitCode> {
    let mut bad_flag = false;
    for (flag, list) in [
        ("--select", &args.select),
        ("--ignore", &args.ignore),
        ("--extend-select", &args.extend_select),
        ("--extend-ignore", &args.extend_ignore),
    ] {
        for s in list {
            if let Some((problem, _)) = config::selector_problem(s) {
                say!("akslint: {flag} {s}: {problem} (see `akslint rules --all`)");
                bad_flag = true;
            }
        }
    }
    if bad_flag {
        return Err(ExitCode::from(2));
    }
    // Either flag puts the rule set in the command line's hands.
    if !args.select.is_empty() || !args.ignore.is_empty() {
        cfg.select = args.select.clone();
        cfg.ignore = args.ignore.clone();
    }
    // An empty selection is every rule already; extending it would narrow it.
    if !cfg.select.is_empty() {
        cfg.select.extend(args.extend_select.iter().cloned());
    }
    cfg.ignore.extend(args.extend_ignore.iter().cloned());
    Ok(())
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
        .unwrap_or_else(|| path.strip_prefix("./").unwrap_or(path).to_string())
}

fn load_baseline(path: &str) -> Result<Baseline, ExitCode> {
    let text = discover::read_side_file(
        std::path::Path::new(path),
        "baseline files",
        discover::BASELINE_LIMIT,
    )
    .map_err(|e| {
        say!(
            "akslint: cannot read baseline {}",
            report::escape::escape(&e)
        );
        ExitCode::from(2)
    })?;
    baseline::parse(&text).map_err(|e| {
        say!("akslint: {}: {e}", report::escape::escape(path));
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
    if let Some(name) = &args.stdin_filename {
        discover::set_stdin_name(name);
    }
    let (cfg, nested_configs) = match load_config(&args, color) {
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
        nested_configs,
        baseline,
        with_siblings: args.with_siblings,
        max_file_size: Some(args.max_file_size),
    };
    // The process ends after the report: freeing the inventory, the sources
    // and the findings (a 50 MB export's tree of small allocations) would only
    // delay the exit, so the memory is left to the operating system.
    let mut kept = std::mem::ManuallyDrop::new(check_in_pool(&opts, args.threads.map(usize::from)));
    let result = &mut *kept;
    for e in &result.path_errors {
        // File names come from the input and may hold newlines or escape codes.
        say!("akslint: {}", report::escape::escape(e));
    }
    report::sort(&mut result.diagnostics, &result.sources);
    if let Err(code) =
        refuse_overwriting_inputs(&args, &result.sources, &opts.config, &opts.nested_configs)
    {
        return code;
    }
    if let Some(path) = &args.write_baseline {
        let b = baseline::build(&result.diagnostics, &result.sources);
        if let Err(code) = write_file(Path::new(path), baseline::to_json(&b).as_bytes()) {
            return code;
        }
        say!(
            "akslint: recorded {} findings in {}",
            b.findings.len(),
            report::escape::escape(path)
        );
        // A baseline run exits 0; with --output it writes the report too.
        if args.output.is_none() {
            return ExitCode::SUCCESS;
        }
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
    let checked = !result.nothing_checked();
    let text = if args.statistics {
        report::statistics::render(&result.diagnostics)
    } else {
        render(
            &args,
            &result.diagnostics,
            &result.sources,
            &summary,
            (&result.inventory, &opts.config.thresholds),
        )
    };
    let text = finish_report(&args, text, &result.diagnostics, &summary, checked);
    let written = match &args.output {
        Some(path) => write_file(path, text.as_bytes()).and_then(|()| {
            if args.quiet {
                return Ok(());
            }
            let line = summary_text(&result.diagnostics, &summary, checked, true);
            print_out(&format!("{line}\n"))
        }),
        None => print_out(&text),
    };
    if let Err(code) = written {
        return code;
    }
    if args.write_baseline.is_some() {
        return ExitCode::SUCCESS;
    }
    if result.baselined > 0 {
        say!(
            "akslint: {} findings hidden by the baseline",
            result.baselined
        );
    }
    // A commit touching no Azure input is not a failure of the hook.
    if result.nothing_checked() && !args.with_siblings {
        say!("akslint: no input could be read or recognised as Azure configuration");
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

/// Writes a report or baseline file atomically; a failure is exit code 2.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ExitCode> {
    akslint::output::write_atomically(path, bytes).map_err(|e| {
        let shown = path.to_string_lossy();
        say!(
            "akslint: cannot write {}: {}",
            report::escape::escape(&shown),
            akslint::output::cause(&e)
        );
        ExitCode::from(2)
    })
}

/// Refuses a report or baseline path naming a file this run has read (an
/// input given or found, the configuration, the baseline), or both naming the
/// same file: writing it would destroy what was checked.
fn refuse_overwriting_inputs(
    args: &CheckArgs,
    sources: &SourceMap,
    cfg: &Config,
    nested: &[Config],
) -> Result<(), ExitCode> {
    let targets: Vec<(&str, &Path)> = [
        ("--output", args.output.as_deref()),
        (
            "--write-baseline",
            args.write_baseline.as_deref().map(Path::new),
        ),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.map(|p| (flag, p)))
    .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let stdin = discover::stdin_display();
    let configs: Vec<String> = std::iter::once(cfg)
        .chain(nested)
        .filter_map(|c| c.path.as_deref())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let read: Vec<&str> = sources
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| *p != stdin)
        .chain(configs.iter().map(String::as_str))
        .chain(args.baseline.as_deref())
        .collect();
    if let [(_, a), (_, b)] = targets[..] {
        if akslint::output::same_file(a, b) {
            say!("akslint: --output and --write-baseline name the same file; nothing written");
            return Err(ExitCode::from(2));
        }
    }
    for (flag, target) in targets {
        if let Some(input) = akslint::output::read_by_the_run(target, read.iter().copied()) {
            say!(
                "akslint: {flag} {}: this file was read by the check (as {}); it is not \
                 overwritten. Name a file outside the inputs, or exclude it.",
                report::escape::escape(&target.to_string_lossy()),
                report::escape::escape(input)
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
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

/// The summary line, or what stands for it when nothing could be checked
/// (then "No problems found" would be a claim akslint cannot make).
fn summary_text(
    diags: &[akslint::diagnostic::Diagnostic],
    summary: &Summary,
    checked: bool,
    show_elapsed: bool,
) -> String {
    if checked || !diags.is_empty() {
        report::human::summary_line(diags.is_empty(), summary, show_elapsed)
    } else {
        format!(
            "Nothing checked: no input in {} could be read or recognised",
            if summary.files == 1 {
                "1 file".to_string()
            } else {
                format!("{} files", summary.files)
            }
        )
    }
}

/// The report's last touches: human output's summary line replaced when
/// nothing was checked and dropped with `--quiet`; `--format github` ends
/// with a `::notice::` summary (unless `--quiet`); `--statistics` gets the
/// summary line too.
fn finish_report(
    args: &CheckArgs,
    text: String,
    diags: &[akslint::diagnostic::Diagnostic],
    summary: &Summary,
    checked: bool,
) -> String {
    let human = args.format == Format::Human && !args.statistics;
    if human {
        // The renderer's last line is its summary line.
        let body = text.trim_end_matches('\n');
        let body = body.rfind('\n').map_or("", |i| &body[..=i]);
        if args.quiet {
            return body.to_string();
        }
        let line = summary_text(diags, summary, checked, true);
        return format!("{body}{line}\n");
    }
    if args.quiet {
        return text;
    }
    if args.statistics {
        let line = summary_text(diags, summary, checked, true);
        let memory = report::statistics::memory_line()
            .map(|m| format!("{m}\n"))
            .unwrap_or_default();
        return format!("{text}{line}\n{memory}");
    }
    if args.format == Format::Github {
        let line = summary_text(diags, summary, checked, false);
        return format!(
            "{text}::notice title=akslint::{}\n",
            escape_workflow_data(&line)
        );
    }
    text
}

/// Workflow command data: `%`, CR and LF are the characters GitHub decodes.
fn escape_workflow_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
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
