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
use vouchsafe_inbox::{Origin, Store, admin, keys, util, webhook};

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
    /// A config file of `key = "value"` lines (db, origin, listen, admin_token, rate_limit,
    /// webhook_url, webhook_secret);
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
    /// Delete requests that expired more than --keep seconds ago and that no live grant answers
    /// (`serve` also does this every hour).
    Prune {
        /// Seconds an expired request is kept: a grant issued while it was open may arrive this
        /// late (the vault retries a queued grant), and `GET request_uri` says 410, not 404.
        #[arg(long, default_value_t = DEFAULT_PRUNE_KEEP_SECS)]
        keep: i64,
    },
}

/// How long `serve` keeps an expired request before pruning it: as long as a grant issued in
/// time may still arrive late (30 days), so a queued grant finds its nonce.
const DEFAULT_PRUNE_KEEP_SECS: i64 = vouchsafe_inbox::delivery::LATE_DELIVERY_SECS;
/// How often `serve` prunes.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3_600);

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
    /// Forward each verified change (new data, update, erasure, channel consent) to this URL,
    /// the brand's CRM: https, or http to a loopback IP literal (docs/inbox.md).
    #[arg(long, env = "VOUCHSAFE_INBOX_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// The webhook's signing secret, `whsec_<base64 of 24 to 64 random bytes>` (Standard
    /// Webhooks); required with --webhook-url.
    #[arg(long, env = "VOUCHSAFE_INBOX_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
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
    /// Channels, each name:info or name:ad (email:info,sms:ad,custom.line:info); names as
    /// docs/grant-token.md lists them: email sms phone kakao push post, or custom.NAME (NAME 1 to
    /// 32 of a-z 0-9 _, starting with a letter).
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
                writeln!(
                    out,
                    "consumer\tlive\trevoked\terased\tchannels\tnight_ads\tclaims"
                )?;
                for c in list {
                    let channels: Vec<String> =
                        c.channels.iter().map(|ch| ch.channel.clone()).collect();
                    let claims: Vec<&String> = c.claims.keys().collect();
                    let night_ads = match c.night_ads {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "-",
                    };
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        c.id,
                        c.live,
                        c.revoked,
                        c.erased,
                        channels.join(","),
                        night_ads,
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
        Command::Prune { keep } => {
            let store = Store::open(&db).await?;
            let deleted = store.prune_requests(util::now(), keep.max(0)).await?;
            println!("pruned {deleted} requests");
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
    let webhook = webhook_config(args.webhook_url, args.webhook_secret, file)?;
    let store = Store::open(db)
        .await
        .context("opening the database")?
        .with_outbox(webhook.is_some());
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
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let mut background = Vec::new();
    if let Some(config) = webhook {
        tracing::info!(url = config.url.as_str(), "webhook on");
        background.push(tokio::spawn(webhook::run(
            inbox.store.clone(),
            Arc::new(config),
            until_stopped(stopped.clone()),
        )));
    }
    background.push(tokio::spawn(prune_periodically(
        inbox.store.clone(),
        until_stopped(stopped.clone()),
    )));
    http::serve(listener, http::router(inbox), shutdown_signal()).await?;
    let _ = stop.send(true);
    for task in background {
        let _ = task.await;
    }
    tracing::info!("inbox stopped");
    Ok(())
}

/// `--webhook-url`/`--webhook-secret` (or their environment variables, or the config file).
fn webhook_config(
    url: Option<String>,
    secret: Option<String>,
    file: &FileConfig,
) -> anyhow::Result<Option<webhook::WebhookConfig>> {
    let url = url
        .or_else(|| file.get("webhook_url"))
        .filter(|u| !u.is_empty());
    let Some(url) = url else {
        return Ok(None);
    };
    let secret = Zeroizing::new(
        secret
            .or_else(|| file.get("webhook_secret"))
            .ok_or(webhook::WebhookError::NoSecret)?,
    );
    Ok(Some(webhook::WebhookConfig {
        url: webhook::WebhookUrl::parse(&url)?,
        secret: webhook::WebhookSecret::parse(&secret)?,
        poll: std::time::Duration::from_secs(1),
    }))
}

/// Prunes expired requests every [`PRUNE_EVERY`] until `shutdown`.
async fn prune_periodically(store: Store, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        match store
            .prune_requests(util::now(), DEFAULT_PRUNE_KEEP_SECS)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "pruned expired requests"),
            Err(e) => tracing::error!(error = %e, "pruning requests"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
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
