// The manual printed by --help. Keep it in step with README.md's "Flags" section.

export const helpText = `optuna-artifacts-graphql — a GraphQL server for the artifacts of Optuna studies and trials

Usage:
  optuna-artifacts-graphql [STORAGE_URL] [options]
  optuna-artifacts-graphql check [STORAGE_URL] [--artifact-store URL] [--fix] [--fix-metadata [--force]] [--json]

STORAGE_URL                 Optuna RDB URL, exactly as Python passes it to create_study(storage=...):
                            sqlite:///relative.db, sqlite:////absolute/path.db,
                            postgresql[+psycopg2]://USER:PASSWORD@HOST:PORT/DATABASE,
                            mysql[+pymysql]://USER:PASSWORD@HOST:PORT/DATABASE?charset=utf8mb4
                            (%-escape special characters in the password). Default
                            sqlite:///optuna.db. Env OPTUNA_STORAGE. A missing SQLite file or an
                            empty database gets Optuna's schema; an existing one is used as it
                            is (never migrated). Passwords are never logged.

Options:
  --artifact-store URL      Where the bytes live, as Optuna's artifact stores keep them:
                            file://./artifacts (default), file:///abs/dir, s3://bucket[/prefix],
                            gs://bucket[/prefix]. Env OPTUNA_ARTIFACT_STORE.
  --host H                  Interface to listen on (default 127.0.0.1). Env HOST.
  --port P                  Port (default 4000). Env PORT.
  --s3-endpoint URL         S3-compatible endpoint (MinIO, ...). Env AWS_ENDPOINT_URL_S3.
                            Credentials and region come from the AWS SDK's default chain.
  --s3-force-path-style     Address buckets in the path (most S3-compatible servers need it).
  --gcs-endpoint URL        GCS-compatible API endpoint. Env STORAGE_EMULATOR_HOST.
  --backoff-max-retries N   Store retries of transient failures (default 10).
  --backoff-multiplier X    Delay growth per retry (default 2).
  --backoff-min-delay S     First delay cap in seconds (default 0.1).
  --backoff-max-delay S     Largest delay cap in seconds (default 30).
  --max-file-size SIZE      Largest uploaded file: bytes or units like 512MB, 10GiB (default 10GiB).
  --max-files N             Most files in one upload request (default 20).
  --auth-token TOKEN        Mutations and subscriptions need "Authorization: Bearer TOKEN";
                            queries and downloads stay open. Env OPTUNA_ARTIFACTS_TOKEN.
  --cors-origin ORIGIN      Allow this browser origin (repeatable). Default: no CORS headers.
  --allow-finished-trial-uploads
                            Accept trial artifacts on COMPLETE/PRUNED/FAIL trials (Optuna itself
                            refuses them; default: refuse with TRIAL_FINISHED).
  --watch-interval SECONDS  How often to look for artifacts written by other processes (default 1).
  --db-busy-timeout SECONDS How long a request waits while another process holds the database's
                            lock before failing with DATABASE_UNAVAILABLE (default 5); other
                            requests are served meanwhile.
  --db-pool-size N          Connections per server process to PostgreSQL / MySQL (default 10).
  --datetime-zone ZONE      How Optuna's naive DATETIME columns are read and written: utc
                            (default; Optuna >= 5.0 writes naive UTC), local (Optuna <= 4.x wrote
                            the writing machine's local time: run with that machine's TZ), or an
                            IANA zone name such as Asia/Tokyo.
  --public-url URL          The server's address as clients see it (https://artifacts.example.org);
                            downloadUrl is absolute when set, and its host is an allowed Host.
  --allowed-host NAME       Accept requests whose Host header is NAME (repeatable; NAME or
                            NAME:PORT, a NAME without port matches any port). Default when
                            bound to a loopback address: localhost, 127.0.0.1, [::1] and the
                            --public-url host (a guard against DNS rebinding); bound to another
                            address: any host unless this flag is given. Others get 403.
  --max-query-bytes SIZE    Largest GraphQL document, refused with 413 before parsing
                            (default 256KiB).
  --upload-idle-timeout S   Cut an upload only when no byte arrived for S seconds (default 60);
                            an upload's total duration is not limited.
  --max-subscriptions N     Subscriptions one WebSocket connection may hold (default 100).
  --download-redirect       S3 / GCS stores: GET /artifacts/{id} answers 307 to a short-lived
                            presigned URL (same Content-Type / Content-Disposition) instead of
                            streaming the bytes through the server.
  --upload-signing-key KEY  HMAC key of staged-upload tokens. Env OPTUNA_ARTIFACTS_SIGNING_KEY.
                            Give every instance the same key; when absent, each process makes
                            its own, and its tickets complete only on that process.
  --upload-ticket-ttl S     How long a staged-upload ticket is valid, in seconds (default 3600).
  --staged-part-size SIZE   Part size of staged multipart uploads (default 64MiB, 5MiB..5GiB);
                            a file of at most one part gets a single PUT.
  --help                    Print this manual.
  --version                 Print the version.

check subcommand (like git fsck):
  Lists metadata rows whose bytes are missing and stored objects that no metadata row names.
  An object no row names counts as orphaned only once older than --upload-ticket-ttl (give
  check the servers' value): younger, it may be a staged upload not completed yet.
  --fix                     Remove the orphaned objects (never metadata).
  --fix-metadata            Remove metadata rows whose bytes are missing (with --fix: both).
                            Refuses (exit 2, nothing changed) when that would remove more than
                            half of all artifact rows (a wrong --artifact-store?), unless --force.
  --force                   With --fix-metadata: remove them even then.
  --json                    Print the report as JSON.
  Exit codes: 0 consistent (or everything found was fixed), 1 problems remain.

Exit codes: 0 ok, 1 runtime failure, 2 bad command line, port in use, unreachable store or
unusable database.
`;
