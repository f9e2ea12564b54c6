//! The `madoguchi` command: serve (default), migrate, users, reports, audit.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use madoguchi::app::reports::{Month, Period, period_csv, period_xlsx};
use madoguchi::app::users::{NewUser, add_user};
use madoguchi::config::Config;
use madoguchi::domain::Role;

#[derive(Parser)]
#[command(name = "madoguchi", version, about = "A desk for personal-data requests under Japan's APPI")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the web application (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage staff users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Manage the JSON API's tokens (also on /admin/api-tokens).
    ApiToken {
        #[command(subcommand)]
        cmd: ApiTokenCmd,
    },
    /// Write a month's report: the per-case CSV (UTF-8 with BOM) or the
    /// workbook (sheets summary, cases, fees), to standard output or a file.
    Report {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Fill the database with N synthetic cases over five years (demo and benchmark data).
    Seed {
        #[arg(long)]
        cases: u64,
        /// Put every case in this month (YYYY-MM) instead of spreading them over five years.
        #[arg(long)]
        month: Option<String>,
    },
    /// Apply every retention rule now: unconfirmed submissions, identity documents, result files,
    /// e-mail bodies, the access log, and closed cases past their years (anonymised).
    Purge {
        /// Only list what would be purged.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent copy of the live SQLite database to FILE (PostgreSQL: prints the pg_dump command).
    Backup { file: std::path::PathBuf },
    /// Check every case's hash-chained audit trail.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user; the password (12 characters at least) is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["staff", "manager", "admin"])]
        role: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password, read from standard input.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Stop a user from logging in.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum ApiTokenCmd {
    /// Create a token and print its secret (shown this once) on standard output.
    Add {
        /// Which system uses it (shown on the timeline).
        #[arg(long)]
        name: String,
        /// Comma-separated: cases:read, cases:write, reports:read.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// The role it acts with.
        #[arg(long, default_value = "staff", value_parser = ["staff", "manager"])]
        role: String,
        /// The e-mail of the admin creating it.
        #[arg(long)]
        by: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token by name: its next request is refused.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute every chain and report the cases whose chain is broken.
    Verify,
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.cmd.unwrap_or(Cmd::Serve) {
        Cmd::Serve => {
            let running = madoguchi::start(config).await?;
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            tracing::info!("stopping: finishing what is under way (at most {} s)", STOP_WITHIN.as_secs());
            if running.stop(STOP_WITHIN).await {
                tracing::info!("stopped");
            } else {
                tracing::warn!("stopped before everything under way had finished");
            }
        }
        Cmd::Migrate => {
            madoguchi::open(&config, String::new()).await?.close().await;
            println!("database is up to date");
        }
        Cmd::User { cmd } => {
            let app = madoguchi::open(&config, String::new()).await?;
            match cmd {
                UserCmd::Add { email, role, name } => {
                    let role: Role = role.parse().map_err(|_| anyhow::anyhow!("unknown role"))?;
                    let password = read_password()?;
                    let display_name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
                    match add_user(&app, NewUser { email: email.clone(), display_name, role, password }).await {
                        Ok(id) => println!("user {id} added: {email} ({role})"),
                        Err(madoguchi::app::AppError::Invalid(errors)) => {
                            for e in errors {
                                eprintln!("{}: {}", e.field, e.msg.get(madoguchi::domain::Lang::EN));
                            }
                            anyhow::bail!("user not added");
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                UserCmd::ResetPassword { email } => {
                    let password = read_password()?;
                    match madoguchi::app::users::reset_password(&app, &email, password).await {
                        Ok(()) => println!("password changed for {email}"),
                        Err(madoguchi::app::AppError::NotFound) => anyhow::bail!("no such user"),
                        Err(madoguchi::app::AppError::Invalid(errors)) => {
                            let why: Vec<String> =
                                errors.iter().map(|e| e.msg.get(madoguchi::domain::Lang::EN)).collect();
                            anyhow::bail!("password not changed: {}", why.join("; "))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                UserCmd::Disable { email } => match madoguchi::app::users::disable(&app, &email).await {
                    Ok(()) => println!("{email} can no longer log in"),
                    Err(madoguchi::app::AppError::NotFound) => anyhow::bail!("no such user"),
                    Err(madoguchi::app::AppError::Invalid(_)) => {
                        anyhow::bail!("{email} is the last active administrator: make another one first")
                    }
                    Err(e) => return Err(e.into()),
                },
            }
        }
        Cmd::ApiToken { cmd } => {
            use madoguchi::app::api_tokens;
            let app = madoguchi::open(&config, String::new()).await?;
            match cmd {
                ApiTokenCmd::Add { name, scopes, role, by } => {
                    let admin = madoguchi::app::users::admin_by_email(&app, &by)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("{by} is not an active administrator"))?;
                    let new = api_tokens::NewToken { name, scopes, role };
                    match api_tokens::create(&app, &admin, &new).await {
                        Ok((_, secret)) => println!("{secret}"),
                        Err(madoguchi::app::AppError::Invalid(errors)) => {
                            for e in errors {
                                eprintln!("{}: {}", e.field, e.msg.get(madoguchi::domain::Lang::EN));
                            }
                            anyhow::bail!("token not created");
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                ApiTokenCmd::List => {
                    for t in api_tokens::list(&app).await? {
                        let scopes: Vec<&str> = t.scopes.iter().map(|s| s.code()).collect();
                        let state = match t.revoked_at {
                            Some(at) => format!("revoked {}", app.local_minute(at)),
                            None => t
                                .last_used_at
                                .map(|at| format!("last used {}", app.local_minute(at)))
                                .unwrap_or_else(|| "never used".into()),
                        };
                        println!("{}\t{}\t{}\t{}", t.name, scopes.join(","), t.role, state);
                    }
                }
                ApiTokenCmd::Revoke { name } => {
                    let live =
                        api_tokens::list(&app).await?.into_iter().find(|t| t.name == name && t.revoked_at.is_none());
                    let t = live.ok_or_else(|| anyhow::anyhow!("no live token named {name:?}"))?;
                    api_tokens::revoke(&app, t.id).await?;
                    println!("{name} revoked");
                }
            }
            app.close().await;
        }
        Cmd::Report { month, format, out } => {
            let month = Month::parse(&month).ok_or_else(|| anyhow::anyhow!("--month takes YYYY-MM"))?;
            let app = madoguchi::open(&config, String::new()).await?;
            let period = Period::month(month);
            let bytes = match format.as_str() {
                "xlsx" => period_xlsx(&app, period, false, madoguchi::domain::Lang::JA).await?,
                _ => period_csv(&app, period, false).await?,
            };
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            app.close().await;
        }
        Cmd::Seed { cases, month } => {
            let month = match month {
                Some(m) => {
                    let m = Month::parse(&m).ok_or_else(|| anyhow::anyhow!("--month takes YYYY-MM"))?;
                    Some((m.first, m.last))
                }
                None => None,
            };
            let app = madoguchi::open(&config, String::new()).await?;
            let started = std::time::Instant::now();
            madoguchi::app::seed::seed(&app, cases, month, |done| {
                if done % 100_000 == 0 || done == cases {
                    eprintln!("seeded {done} cases ({:.0} s)", started.elapsed().as_secs_f64());
                }
            })
            .await?;
            println!("seeded {cases} cases in {:.1} s", started.elapsed().as_secs_f64());
        }
        Cmd::Purge { dry_run } => {
            let app = madoguchi::open(&config, String::new()).await?;
            let report = madoguchi::app::retention::run(&app, dry_run).await?;
            let verb = if dry_run { "would remove" } else { "removed" };
            for (class, n) in &report.lines {
                println!("{class}: {verb} {n}");
            }
        }
        Cmd::Backup { file } => {
            let app = madoguchi::open(&config, String::new()).await?;
            match madoguchi::app::backup::to_file(&app, &file, &config.database_url()).await? {
                madoguchi::app::backup::Outcome::Written { bytes } => {
                    println!("backup written to {} ({bytes} bytes); the data key is not in it", file.display())
                }
                madoguchi::app::backup::Outcome::UsePgDump { command } => {
                    println!("PostgreSQL is backed up with its own tools, for example:\n  {command}");
                    anyhow::bail!("no backup was written");
                }
            }
        }
        Cmd::Audit { cmd: AuditCmd::Verify } => {
            let app = madoguchi::open(&config, String::new()).await?;
            let broken = madoguchi::app::audit::verify_all(&app).await?;
            if broken.is_empty() {
                println!("every audit chain verifies");
            } else {
                for r in &broken {
                    println!("broken chain: {r}");
                }
                anyhow::bail!("{} case(s) with a broken audit chain", broken.len());
            }
        }
    }
    Ok(())
}

/// How long a stop waits for the requests and messages under way: within the
/// 10 s that service managers and orchestrators give before SIGKILL.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(8);

/// Tunes glibc's allocator before any thread exists. Left to itself, glibc
/// raises its mmap threshold each time a large block is freed (up to 32 MiB),
/// so that the next large blocks come from per-thread arenas that it keeps:
/// after the first housekeeping, a monthly CSV and an export the server held
/// 200 MB of which it used a tenth. A fixed threshold of 1 MiB has every
/// large block mapped on its own and returned to the system when freed; two
/// arenas (rather than eight per core) bound what small blocks can strand.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it runs first thing in
    // main, before any other thread exists or allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(serve_main()),
        Err(e) => {
            eprintln!("madoguchi: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error,tower_http=info")),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("madoguchi: {e:#}");
            ExitCode::FAILURE
        }
    }
}
