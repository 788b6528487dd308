// Package app assembles the server from its configuration: database and
// migrations, cache and rate limits (Redis or in-process), the domain
// services, and one HTTP handler that serves gRPC, gRPC-Web and Connect
// beside health checks, reflection and metrics.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/rueidis"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/api"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/idempotency"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/ratelimit"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/signin"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// Option changes how New assembles the server.
type Option func(*Server)

// WithoutBackground leaves out the background work (the janitor, the
// operation workers, the cache epoch watcher): for administration commands
// that open the database and leave.
func WithoutBackground() Option { return func(s *Server) { s.background = false } }

// Server is an assembled PyAirtable server.
type Server struct {
	Config     config.Config
	DB         *storage.DB
	Tokens     *auth.Service
	Workspaces *workspace.Service
	Schema     *schema.Service
	Views      *view.Service
	Records    *record.Service
	Runner     *operation.Runner
	Registry   *prometheus.Registry
	CacheStats *cache.Metrics
	// SignIn is the OIDC provider; nil when OIDC is not configured.
	SignIn *signin.Provider

	log        *slog.Logger
	redis      rueidis.Client
	handler    http.Handler
	stop       context.CancelFunc
	done       chan struct{}
	watching   chan struct{} // open while the credentials epoch is watched
	background bool
	running    chan struct{} // open while operations are run
}

// New opens the database (running migrations), connects to Redis when
// configured and builds the handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*Server, error) {
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, DB: db, log: log, done: make(chan struct{}), background: true}
	for _, o := range opts {
		o(s)
	}
	if err := s.build(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) build(ctx context.Context) error {
	cfg := s.Config
	if err := s.DB.Migrate(ctx, storage.Metadata); err != nil {
		return err
	}
	key, err := secretKey(ctx, s.DB, cfg.SecretKey)
	if err != nil {
		return err
	}
	pages := pagetoken.New(key)

	s.Registry = prometheus.NewRegistry()
	s.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.CacheStats = cache.NewMetrics(s.Registry)

	var tokenCache, schemaCache, roleCache cache.Cache
	var perCaller, perAddress api.Limiter
	callerRate, addressRate := rateOf(cfg.RateLimit, cfg.RateBurst), rateOf(cfg.AnonRateLimit, cfg.AnonRateBurst)
	if cfg.RedisURL != "" {
		s.redis, err = cache.OpenRedis(cfg.RedisURL, func(keys []string) {
			for _, k := range keys {
				switch k = strings.TrimPrefix(k, cfg.RedisPrefix); {
				case strings.HasPrefix(k, "tbl:"):
					s.CacheStats.Received("schema", 1)
				case strings.HasPrefix(k, "mbr:"):
					s.CacheStats.Received("role", 1)
				case strings.HasPrefix(k, "tok:"), strings.HasPrefix(k, "ses:"):
					s.CacheStats.Received("token", 1)
				}
			}
		})
		if err != nil {
			return fmt.Errorf("connect to Redis: %w", err)
		}
		tokenCache = cache.NewRedis(s.redis, "token", cfg.RedisPrefix, s.CacheStats)
		schemaCache = cache.NewRedis(s.redis, "schema", cfg.RedisPrefix, s.CacheStats)
		roleCache = cache.NewRedis(s.redis, "role", cfg.RedisPrefix, s.CacheStats)
		if callerRate != nil {
			perCaller = ratelimit.NewRedis(s.redis, cfg.RedisPrefix+"rl:c:", *callerRate)
		}
		if addressRate != nil {
			perAddress = ratelimit.NewRedis(s.redis, cfg.RedisPrefix+"rl:a:", *addressRate)
		}
	} else {
		tokenCache = cache.NewMemory("token", s.CacheStats)
		schemaCache = cache.NewMemory("schema", s.CacheStats)
		roleCache = cache.NewMemory("role", s.CacheStats)
		if callerRate != nil {
			perCaller = ratelimit.NewMemory(*callerRate)
		}
		if addressRate != nil {
			perAddress = ratelimit.NewMemory(*addressRate)
		}
	}

	s.Tokens = auth.NewService(s.DB, tokenCache, pages, s.log)
	s.Tokens.SetSessionPolicy(auth.SessionPolicy{Idle: cfg.SessionIdleTimeout, MaxAge: cfg.SessionMaxAge})
	flow := &signin.Flow{DB: s.DB, Sessions: s.Tokens, CookieSecure: cfg.CookieSecure, Log: s.log, Limiter: perAddress}
	if cfg.OIDCIssuer != "" {
		s.SignIn = signin.NewProvider(signin.Config{
			Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.OIDCRedirectURL, Audiences: cfg.OIDCAudiences, AllowedDomains: cfg.OIDCAllowedDomains,
			NameClaim: cfg.OIDCNameClaim, PostLoginURL: cfg.OIDCPostLoginURL, Scopes: cfg.OIDCScopes,
			AllowedOrigins: cfg.CORSOrigins,
		})
		s.Tokens.SetIDTokens(s.SignIn)
		flow.Provider = s.SignIn
		// Discover now so the first sign-in is fast; failures are retried on use.
		if err := s.SignIn.Warm(ctx); err != nil {
			s.log.Warn("OIDC issuer not reachable yet; will retry on first use", "issuer", cfg.OIDCIssuer, "err", err)
		}
	}
	s.Workspaces = workspace.NewService(s.DB, pages)
	s.Workspaces.SetCache(roleCache, 0)
	s.Schema = schema.NewService(s.DB, pages, cfg.TrashRetention)
	s.Schema.SetCache(schemaCache, 0)
	if s.DB.Engine == storage.Postgres {
		// SQLite has one writer, which indexing batches would hold up:
		// there a search starts the indexer.
		s.Schema.IndexAfterWrites(schema.SearchQuiet, schema.MaxSearchDelay)
	}
	s.Views = view.NewService(s.DB, pages, s.Schema)
	s.Records = record.NewService(s.DB, s.Schema, s.Views, pages, cfg.RecordTrashRetention)
	s.Runner = operation.NewRunner(s.DB, s.log)
	s.Runner.Register(operation.KindBuildIndex, s.Schema.BuildIndex)
	s.Runner.Register(operation.KindEnableUnique, s.Schema.BuildIndex)
	s.Runner.Register(operation.KindConvertField, s.Schema.ConvertField)
	s.Runner.Register(operation.KindPurge, s.Schema.PurgeObject)
	s.Schema.SetRunner(s.Runner)
	s.Schema.SetInlineRows(int64(cfg.ConversionInlineRows))
	s.Schema.SetColumnBudget(cfg.ColumnBudget)
	policy, err := access.NewPolicy(s.Workspaces, s.Schema, api.Services...)
	if err != nil {
		return fmt.Errorf("access declarations: %w", err)
	}
	s.handler = api.NewHandler(api.Deps{
		DB: s.DB, Log: s.log, Registry: s.Registry, Tokens: s.Tokens, Workspaces: s.Workspaces, Schema: s.Schema,
		Runner: s.Runner, Pages: pages, Views: s.Views, Records: s.Records,
		Policy: policy, PerCaller: perCaller, PerAddress: perAddress,
		CORSOrigins: cfg.CORSOrigins, MaxRequestBytes: cfg.MaxRequestBytes, MaxResponseBytes: cfg.MaxResponseBytes,
		Mount: flow.Mount,
	})

	if !s.background {
		return nil
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	go s.janitor(bg)
	s.running = make(chan struct{})
	go func() {
		defer close(s.running)
		s.Runner.Run(bg)
	}()
	if cfg.RedisURL == "" {
		// Without Redis, changes to credentials and schemas made by other
		// processes arrive through the database.
		s.watching = make(chan struct{})
		go func() {
			defer close(s.watching)
			storage.WatchEpoch(bg, s.DB, time.Second, func() {
				for _, c := range []cache.Cache{tokenCache, schemaCache, roleCache} {
					if clearer, ok := c.(cache.Clearer); ok {
						clearer.Clear(2 * time.Second)
					}
				}
			})
		}()
	}
	return nil
}

// rateOf turns requests per second and a burst into a rate; nil turns the
// limit off.
func rateOf(perSecond float64, burst int) *ratelimit.Rate {
	if perSecond <= 0 {
		return nil
	}
	// Requests per 1000 s keeps three decimals of a fractional rate.
	return &ratelimit.Rate{Requests: max(1, int(math.Round(perSecond*1000))), Per: 1000 * time.Second, Burst: max(burst, 1)}
}

// janitor removes expired request records, and bases and tables whose
// trash period ended, every hour.
func (s *Server) janitor(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := idempotency.Purge(ctx, s.DB, 2*idempotency.Retention); err != nil && ctx.Err() == nil {
			s.log.Warn("purge request records", "err", err)
		} else if n > 0 {
			s.log.Info("purged request records", "count", n)
		}
		if bases, tables, err := s.Schema.Purge(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			s.log.Warn("purge deleted bases and tables", "err", err)
		} else if bases+tables > 0 {
			s.log.Info("purged deleted bases and tables", "bases", bases, "tables", tables)
		}
		if n, err := s.Records.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("purge deleted records", "err", err)
		} else if n > 0 {
			s.log.Info("purged deleted records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Handler serves the API, health checks, reflection and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx ends, then shuts down gracefully, giving
// calls in flight the configured time.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           s.handler,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.Config.ReadTimeout,
		WriteTimeout:      s.Config.WriteTimeout,
		IdleTimeout:       s.Config.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.Config.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.Config.TLSCertFile, s.Config.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.Config.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Calls still running after the grace period are cut off.
		s.log.Warn("closing connections still open after the grace period", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops background work and closes Redis and the database.
func (s *Server) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
		if s.watching != nil {
			<-s.watching
		}
		<-s.running
	}
	if s.Schema != nil {
		s.Schema.Close()
	}
	if s.redis != nil {
		s.redis.Close()
	}
	_ = s.DB.Close()
}
