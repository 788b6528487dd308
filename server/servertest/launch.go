package servertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/app"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Launch starts a server on SQLite (a fresh file in a new temporary folder)
// with the in-process cache, outside any test: for a TestMain that shares
// one server among a package's tests and examples. change adjusts the
// configuration. stop shuts the server down and removes its files.
func Launch(change ...func(*config.Config)) (env *Env, stop func(), err error) {
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "pyairtable-test-")
	if err != nil {
		return nil, nil, err
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "pyairtable.db")
	cfg.LogLevel = "warn"
	for _, c := range change {
		c(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fail := func(err error) (*Env, func(), error) {
		cancel()
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := app.New(ctx, cfg, log)
	if err != nil {
		return fail(fmt.Errorf("start server: %w", err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fail(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	b := Backend{Name: "sqlite+memory", Engine: storage.SQLite}
	stop = func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "err", err)
		}
		srv.Close()
		_ = os.RemoveAll(dir)
	}
	return &Env{Backend: b, Server: srv, URL: "http://" + ln.Addr().String()}, stop, nil
}

// CreateUser creates a user (the first one of a server is its
// administrator) with a token holding the scopes (every scope when none are
// given), outside any test; NewUser is the same for tests.
func (e *Env) CreateUser(email string, scopes ...string) (User, error) {
	if len(scopes) == 0 {
		scopes = access.AllScopes
	}
	var u User
	err := e.Server.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		usr, err := app.EnsureUser(ctx, tx, email)
		if err != nil {
			return err
		}
		_, secret, err := e.Server.Tokens.CreateToken(ctx, tx, &access.Principal{UserID: usr.ID},
			auth.NewToken{Name: "test", Scopes: scopes})
		u = User{ID: usr.ID, Email: email, Token: secret}
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", email, err)
	}
	return u, nil
}
