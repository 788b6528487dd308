// Package config reads the server's settings from flags and PYAIRTABLE_*
// environment variables. A flag wins over its variable; every setting has a
// default that needs nothing else installed.
package config

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration.
type Config struct {
	Addr             string
	DatabaseURL      string
	RedisURL         string
	RedisPrefix      string
	CORSOrigins      []string
	SecretKey        string
	LogFormat        string
	LogLevel         string
	RateLimit        float64
	RateBurst        int
	AnonRateLimit    float64
	AnonRateBurst    int
	MaxRequestBytes  int
	MaxResponseBytes int
	ReadTimeout      time.Duration
	WriteTimeout     time.Duration
	IdleTimeout      time.Duration
	ShutdownTimeout  time.Duration
	TLSCertFile      string
	TLSKeyFile       string

	OIDCIssuer           string
	OIDCClientID         string
	OIDCClientSecret     string
	OIDCRedirectURL      string
	OIDCAudiences        []string
	OIDCAllowedDomains   []string
	OIDCNameClaim        string
	OIDCPostLoginURL     string
	OIDCScopes           []string
	TrashRetention       time.Duration
	RecordTrashRetention time.Duration
	ConversionInlineRows int
	ColumnBudget         int
	SessionIdleTimeout   time.Duration
	SessionMaxAge        time.Duration
	CookieSecure         string
	DebugAddr            string
}

// Setting documents one setting: its flag, variable, default and meaning.
type Setting struct {
	Flag, Env, Default, Usage string
	set                       func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func num(p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number ≥ 0, got %q", v)
		}
		*p(c) = n
		return nil
	}
}

func rate(p func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("want a number of requests per second ≥ 0, got %q", v)
		}
		*p(c) = n
		return nil
	}
}

func dur(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 30s, got %q", v)
		}
		*p(c) = d
		return nil
	}
}

// Settings lists every setting, in the order the README documents them.
var Settings = []Setting{
	{"addr", "PYAIRTABLE_ADDR", ":8080", "address to listen on (gRPC, gRPC-Web and Connect on one port)", str(func(c *Config) *string { return &c.Addr })},
	{"database-url", "PYAIRTABLE_DATABASE_URL", "sqlite:./data/pyairtable.db", "postgres://… selects PostgreSQL; sqlite:PATH selects SQLite", str(func(c *Config) *string { return &c.DatabaseURL })},
	{"redis-url", "PYAIRTABLE_REDIS_URL", "", "redis://… for a shared cache and rate limits; empty: in-process (one server only)", str(func(c *Config) *string { return &c.RedisURL })},
	{"redis-prefix", "PYAIRTABLE_REDIS_PREFIX", "pyairtable:", "prefix of every Redis key, so instances can share one Redis", str(func(c *Config) *string { return &c.RedisPrefix })},
	{"cors-origins", "PYAIRTABLE_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API, or * for any; empty: none", list(func(c *Config) *[]string { return &c.CORSOrigins })},
	{"secret-key", "PYAIRTABLE_SECRET_KEY", "", "key that signs page tokens and cookies (at least 32 characters); empty: generated on first start and kept in the database", str(func(c *Config) *string { return &c.SecretKey })},
	{"log-format", "PYAIRTABLE_LOG_FORMAT", "text", "log format: text or json", str(func(c *Config) *string { return &c.LogFormat })},
	{"log-level", "PYAIRTABLE_LOG_LEVEL", "info", "log level: debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
	{"rate-limit", "PYAIRTABLE_RATE_LIMIT", "50", "requests per second per token or session; 0 turns the limit off", rate(func(c *Config) *float64 { return &c.RateLimit })},
	{"rate-burst", "PYAIRTABLE_RATE_BURST", "100", "requests a token or session may make at once before the rate applies", num(func(c *Config) *int { return &c.RateBurst })},
	{"anonymous-rate-limit", "PYAIRTABLE_ANONYMOUS_RATE_LIMIT", "10", "requests per second per client address without valid credentials; 0 turns the limit off", rate(func(c *Config) *float64 { return &c.AnonRateLimit })},
	{"anonymous-rate-burst", "PYAIRTABLE_ANONYMOUS_RATE_BURST", "20", "burst per client address without valid credentials", num(func(c *Config) *int { return &c.AnonRateBurst })},
	{"max-request-bytes", "PYAIRTABLE_MAX_REQUEST_BYTES", "8388608", "largest request message accepted, in bytes", num(func(c *Config) *int { return &c.MaxRequestBytes })},
	{"max-response-bytes", "PYAIRTABLE_MAX_RESPONSE_BYTES", "33554432", "largest response message sent, in bytes", num(func(c *Config) *int { return &c.MaxResponseBytes })},
	{"read-timeout", "PYAIRTABLE_READ_TIMEOUT", "30s", "time to read a whole request", dur(func(c *Config) *time.Duration { return &c.ReadTimeout })},
	{"write-timeout", "PYAIRTABLE_WRITE_TIMEOUT", "60s", "time to handle a request and write its response", dur(func(c *Config) *time.Duration { return &c.WriteTimeout })},
	{"idle-timeout", "PYAIRTABLE_IDLE_TIMEOUT", "120s", "time an idle keep-alive connection stays open", dur(func(c *Config) *time.Duration { return &c.IdleTimeout })},
	{"shutdown-timeout", "PYAIRTABLE_SHUTDOWN_TIMEOUT", "20s", "time given to calls in flight on SIGTERM or SIGINT", dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"tls-cert", "PYAIRTABLE_TLS_CERT", "", "PEM certificate file; with --tls-key serves HTTPS (HTTP/2 with ALPN)", str(func(c *Config) *string { return &c.TLSCertFile })},
	{"tls-key", "PYAIRTABLE_TLS_KEY", "", "PEM private key file for --tls-cert", str(func(c *Config) *string { return &c.TLSKeyFile })},
	{"trash-retention", "PYAIRTABLE_TRASH_RETENTION", "168h", "how long deleted bases and tables can be restored before they are purged", dur(func(c *Config) *time.Duration { return &c.TrashRetention })},
	{"record-trash-retention", "PYAIRTABLE_RECORD_TRASH_RETENTION", "168h", "how long deleted records can be restored before they are purged", dur(func(c *Config) *time.Duration { return &c.RecordTrashRetention })},
	{"conversion-inline-rows", "PYAIRTABLE_CONVERSION_INLINE_ROWS", "10000", "a type change on a table with more records converts its cells in a background operation", num(func(c *Config) *int { return &c.ConversionInlineRows })},
	{"column-budget", "PYAIRTABLE_COLUMN_BUDGET", "1592", "field columns a table may have, hidden ones included, before it is compacted (PostgreSQL allows 1600 with the system columns)", num(func(c *Config) *int { return &c.ColumnBudget })},
	{"oidc-issuer", "PYAIRTABLE_OIDC_ISSUER", "", "OpenID Connect issuer URL (discovery at ISSUER/.well-known/openid-configuration); empty: no OIDC sign-in", str(func(c *Config) *string { return &c.OIDCIssuer })},
	{"oidc-client-id", "PYAIRTABLE_OIDC_CLIENT_ID", "", "this server's client id at the issuer; ID tokens for it are accepted", str(func(c *Config) *string { return &c.OIDCClientID })},
	{"oidc-client-secret", "PYAIRTABLE_OIDC_CLIENT_SECRET", "", "client secret; empty for a public client (PKCE only)", str(func(c *Config) *string { return &c.OIDCClientSecret })},
	{"oidc-redirect-url", "PYAIRTABLE_OIDC_REDIRECT_URL", "", "the browser login callback as the issuer knows it, e.g. https://pyairtable.example.com/auth/callback", str(func(c *Config) *string { return &c.OIDCRedirectURL })},
	{"oidc-audiences", "PYAIRTABLE_OIDC_AUDIENCES", "", "further accepted ID token audiences, comma-separated (e.g. a front end's own client id)", list(func(c *Config) *[]string { return &c.OIDCAudiences })},
	{"oidc-allowed-domains", "PYAIRTABLE_OIDC_ALLOWED_DOMAINS", "", "comma-separated email domains allowed to sign in (verified emails only); empty: any", list(func(c *Config) *[]string { return &c.OIDCAllowedDomains })},
	{"oidc-name-claim", "PYAIRTABLE_OIDC_NAME_CLAIM", "name", "ID token claim holding a new user's display name", str(func(c *Config) *string { return &c.OIDCNameClaim })},
	{"oidc-post-login-url", "PYAIRTABLE_OIDC_POST_LOGIN_URL", "/", "where the browser goes after signing in (a path on this server or an allowed CORS origin)", str(func(c *Config) *string { return &c.OIDCPostLoginURL })},
	{"oidc-scopes", "PYAIRTABLE_OIDC_SCOPES", "openid,email,profile", "scopes asked for in the browser login", list(func(c *Config) *[]string { return &c.OIDCScopes })},
	{"session-idle-timeout", "PYAIRTABLE_SESSION_IDLE_TIMEOUT", "168h", "a browser session ends after this long without use", dur(func(c *Config) *time.Duration { return &c.SessionIdleTimeout })},
	{"session-max-age", "PYAIRTABLE_SESSION_MAX_AGE", "720h", "a browser session ends this long after sign-in, used or not", dur(func(c *Config) *time.Duration { return &c.SessionMaxAge })},
	{"cookie-secure", "PYAIRTABLE_COOKIE_SECURE", "auto", "mark the session cookie Secure: auto (when served over TLS or the redirect URL is https), true or false", str(func(c *Config) *string { return &c.CookieSecure })},
	{"debug-addr", "PYAIRTABLE_DEBUG_ADDR", "", "address of a separate listener serving Go's profiler at /debug/pprof/ (keep it private, e.g. 127.0.0.1:6060); empty: off", str(func(c *Config) *string { return &c.DebugAddr })},
}

func list(p func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*p(c) = nil
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				*p(c) = append(*p(c), item)
			}
		}
		return nil
	}
}

// Parse reads the configuration: defaults, then environment variables (via
// getenv), then flags in args.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	for _, s := range Settings {
		if err := s.set(&c, s.Default); err != nil {
			panic(fmt.Sprintf("default of %s: %v", s.Flag, err))
		}
		if v := getenv(s.Env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", s.Env, err)
			}
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	for _, s := range Settings {
		s := s
		fs.Func(s.Flag, fmt.Sprintf("%s (env %s, default %q)", s.Usage, s.Env, s.Default), func(v string) error {
			return s.set(&c, v)
		})
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.check()
}

func (c Config) check() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		return fmt.Errorf("PYAIRTABLE_SECRET_KEY must be at least 32 characters")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "") {
		return fmt.Errorf("PYAIRTABLE_OIDC_ISSUER needs PYAIRTABLE_OIDC_CLIENT_ID")
	}
	switch c.CookieSecure {
	case "auto", "true", "false":
	default:
		return fmt.Errorf("cookie secure %q: want auto, true or false", c.CookieSecure)
	}
	if c.SessionIdleTimeout <= 0 || c.SessionMaxAge <= 0 {
		return fmt.Errorf("session timeouts must be positive")
	}
	if c.MaxRequestBytes < 1024 || c.MaxResponseBytes < 1024 {
		return fmt.Errorf("request and response limits must be at least 1024 bytes")
	}
	return nil
}
