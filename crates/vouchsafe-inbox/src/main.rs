//! `vouchsafe-inbox`: the reference brand inbox (docs/inbox.md).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

use vouchsafe_inbox::http::{self, Inbox};
use vouchsafe_inbox::ratelimit::RateLimiter;
use vouchsafe_inbox::request::{
    ConsentItem, RequestSpec, Texts, new_request, parse_channels, parse_claims, parse_retention,
};
use vouchsafe_inbox::{Origin, Store, admin, keys, util};

#[derive(Parser)]
#[command(
    name = "vouchsafe-inbox",
    version,
    about = "The reference Vouchsafe brand inbox"
)]
struct Cli {
    /// Database: sqlite:PATH (default sqlite:vouchsafe-inbox.db) or postgres://…
    #[arg(long, env = "VOUCHSAFE_INBOX_DB", global = true)]
    db: Option<String>,
    /// The brand's origin, e.g. https://shop.example (http only for loopback IP literals).
    #[arg(long, env = "VOUCHSAFE_INBOX_ORIGIN", global = true)]
    origin: Option<String>,
    /// A config file of `key = "value"` lines (db, origin, listen, admin_token, rate_limit);
    /// command-line flags and environment variables win over it.
    #[arg(long, env = "VOUCHSAFE_INBOX_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the inbox.
    Serve(ServeArgs),
    /// Brand requests.
    #[command(subcommand)]
    Request(RequestCommand),
    /// Consumers who granted data.
    #[command(subcommand)]
    Consumers(ConsumersCommand),
    /// Export every grant.
    Export {
        /// CSV (the only format so far).
        #[arg(long, required = true)]
        csv: bool,
    },
    /// Print the brand's public JWK Set.
    Jwks,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (behind the TLS proxy that serves the origin).
    #[arg(long, env = "VOUCHSAFE_INBOX_LISTEN")]
    listen: Option<String>,
    /// Bearer token of the read-only admin API (off without one).
    #[arg(long, env = "VOUCHSAFE_INBOX_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Requests per second per client address, bursts of twice that; 0 turns the limit off.
    #[arg(long, env = "VOUCHSAFE_INBOX_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Log as JSON lines.
    #[arg(long)]
    log_json: bool,
}

#[derive(Subcommand)]
enum RequestCommand {
    /// Make a request and print its vouchsafe:// link.
    New(Box<NewRequestArgs>),
}

#[derive(Args)]
struct NewRequestArgs {
    /// Required claims, comma-separated (email,given_name,address.locality).
    #[arg(long, default_value = "")]
    claims: String,
    /// Optional claims, comma-separated.
    #[arg(long, default_value = "")]
    optional: String,
    /// Why the brand wants the required claims.
    #[arg(long)]
    purpose: String,
    /// Why the brand wants the optional claims (default: --purpose).
    #[arg(long)]
    optional_purpose: Option<String>,
    /// W3C DPV purpose (an IRI, or a term of https://w3id.org/dpv#).
    #[arg(long, default_value = "ServiceProvision")]
    purpose_category: String,
    /// How long the brand keeps the data: 30d, 6m, 1y or ISO 8601 (P1Y).
    #[arg(long)]
    retention: String,
    /// Channels, each name:info or name:ad (email:info,sms:ad).
    #[arg(long, default_value = "")]
    channels: String,
    /// What the brand offers in return.
    #[arg(long)]
    offer: String,
    /// The consequence of refusing.
    #[arg(
        long,
        default_value = "You can refuse; without the required items the offer is not available."
    )]
    refusal: String,
    /// Language of the texts (BCP 47).
    #[arg(long, default_value = "en")]
    lang: String,
    /// The brand's display name.
    #[arg(long)]
    name: Option<String>,
    /// Seconds the request stays usable (at most 600).
    #[arg(long, default_value_t = 600)]
    ttl: i64,
    /// Print JSON (link, request_uri, nonce, expiry) instead of the bare link.
    #[arg(long)]
    json: bool,
    /// Also write the link as a QR code (SVG).
    #[arg(long)]
    qr: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ConsumersCommand {
    /// Every consumer: id, current claims, grants live/revoked/erased, channels.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// One consumer, as JSON.
    Show {
        /// The pairwise consumer id.
        id: String,
    },
}

/// Settings from `--config`: `key = "value"` lines, `#` comments.
#[derive(Default)]
struct FileConfig(std::collections::BTreeMap<String, String>);

impl FileConfig {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut map = std::collections::BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                bail!("{}:{}: expected key = \"value\"", path.display(), n + 1);
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            map.insert(key.trim().to_owned(), value.to_owned());
        }
        Ok(Self(map))
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let db = cli
        .db
        .clone()
        .or_else(|| file.get("db"))
        .unwrap_or_else(|| "sqlite:vouchsafe-inbox.db".to_owned());
    let origin_text = cli
        .origin
        .clone()
        .or_else(|| file.get("origin"))
        .context("--origin (or VOUCHSAFE_INBOX_ORIGIN) is required")?;
    let origin = Origin::parse(&origin_text).context("--origin")?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(cli.command, origin, db, file))
}

async fn run(command: Command, origin: Origin, db: String, file: FileConfig) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args, origin, &db, &file).await,
        Command::Request(RequestCommand::New(args)) => request_new(*args, origin, &db).await,
        Command::Consumers(ConsumersCommand::List { json }) => {
            let store = Store::open(&db).await?;
            let list = admin::consumers(&store, None).await?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else {
                writeln!(out, "consumer\tlive\trevoked\terased\tchannels\tclaims")?;
                for c in list {
                    let channels: Vec<String> =
                        c.channels.iter().map(|ch| ch.channel.clone()).collect();
                    let claims: Vec<&String> = c.claims.keys().collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        c.id,
                        c.live,
                        c.revoked,
                        c.erased,
                        channels.join(","),
                        claims
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    )?;
                }
            }
            Ok(())
        }
        Command::Consumers(ConsumersCommand::Show { id }) => {
            let store = Store::open(&db).await?;
            let Some(c) = admin::consumers(&store, Some(&id))
                .await?
                .into_iter()
                .next()
            else {
                bail!("no consumer {id}");
            };
            println!("{}", serde_json::to_string_pretty(&c)?);
            Ok(())
        }
        Command::Export { .. } => {
            let store = Store::open(&db).await?;
            let grants = store.grants(None).await?;
            std::io::stdout()
                .lock()
                .write_all(admin::csv(&grants).as_bytes())?;
            Ok(())
        }
        Command::Jwks => {
            let store = Store::open(&db).await?;
            let key = keys::load_or_create(&store).await?;
            println!("{}", serde_json::to_string_pretty(&key.jwks())?);
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs, origin: Origin, db: &str, file: &FileConfig) -> anyhow::Result<()> {
    init_logging(args.log_json);
    let listen = args
        .listen
        .or_else(|| file.get("listen"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let admin_token = args
        .admin_token
        .or_else(|| file.get("admin_token"))
        .filter(|t| !t.is_empty());
    if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
        bail!("the admin token must be at least 16 characters");
    }
    let rate_limit = match args.rate_limit {
        Some(n) => n,
        None => match file.get("rate_limit") {
            Some(text) => text.parse().context("rate_limit in the config file")?,
            None => 100,
        },
    };
    let store = Store::open(db).await.context("opening the database")?;
    let key = keys::load_or_create(&store).await?;
    let inbox = Inbox {
        origin: origin.clone(),
        key: Arc::new(key),
        store,
        admin_token: admin_token.map(|t| Arc::new(Zeroizing::new(t))),
        limiter: (rate_limit > 0).then(|| Arc::new(RateLimiter::new(rate_limit))),
    };
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    tracing::info!(origin = %origin, listen = %listener.local_addr()?, kid = inbox.key.kid(), "inbox listening");
    http::serve(listener, http::router(inbox), shutdown_signal()).await?;
    tracing::info!("inbox stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn request_new(args: NewRequestArgs, origin: Origin, db: &str) -> anyhow::Result<()> {
    let text = |t: &str| -> Texts { [(args.lang.clone(), t.to_owned())].into() };
    let required = parse_claims(&args.claims)?;
    let optional = parse_claims(&args.optional)?;
    let mut items = Vec::new();
    if !required.is_empty() {
        items.push(ConsentItem {
            claims: required,
            required: true,
            purpose: text(&args.purpose),
        });
    }
    if !optional.is_empty() {
        items.push(ConsentItem {
            claims: optional,
            required: false,
            purpose: text(args.optional_purpose.as_deref().unwrap_or(&args.purpose)),
        });
    }
    let purpose_category = if args.purpose_category.contains(':') {
        args.purpose_category.clone()
    } else {
        format!("https://w3id.org/dpv#{}", args.purpose_category)
    };
    let spec = RequestSpec {
        items,
        purpose_category,
        retention: parse_retention(&args.retention)?,
        channels: parse_channels(&args.channels)?,
        offer: text(&args.offer),
        refusal: text(&args.refusal),
        client_name: args.name.clone(),
    };
    let store = Store::open(db).await?;
    let key = keys::load_or_create(&store).await?;
    let record = new_request(spec, &origin, &key, util::now(), args.ttl)?;
    store.insert_request(&record).await?;
    let link = record.link(&origin);
    if let Some(path) = &args.qr {
        let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
            .context("making the QR code")?;
        let svg = code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(256, 256)
            .build();
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "link": link,
                "request_uri": record.request_uri(&origin),
                "nonce": record.nonce,
                "state": record.state,
                "expires_at": record.expires_at,
            })
        );
    } else {
        println!("{link}");
    }
    Ok(())
}
