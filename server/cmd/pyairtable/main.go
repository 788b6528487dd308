// Command pyairtable runs the PyAirtable server and its administration
// commands:
//
//	pyairtable [serve] [flags]                 run the server
//	pyairtable token create --email EMAIL      print a new all-scopes token
//	pyairtable user admin --email EMAIL        make a user an administrator
//
// Every command takes the same configuration flags and PYAIRTABLE_*
// variables (see the README or -h).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	_ "time/tzdata" // time zone names work on machines without tzdata

	"github.com/pyairtable/pyairtable/server/app"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/idempotency"
	"github.com/pyairtable/pyairtable/server/storage"
)

// gcPercent is the garbage collector's target the server runs with when
// GOGC is not set: twice Go's default. Batches of 1000 records make
// megabytes of short-lived messages, and at Go's default collection took
// about a fifth of the server's time in the bulk benchmark; this halves
// the collections for some memory (peak RSS about 200 MB there).
const gcPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "pyairtable:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case len(args) >= 2 && args[0] == "token" && args[1] == "create":
		return tokenCreate(ctx, args[2:], getenv, stdout, stderr)
	case len(args) >= 2 && args[0] == "user" && args[1] == "admin":
		return userAdmin(ctx, args[2:], getenv, stdout, stderr)
	case len(args) >= 1 && args[0] == "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case len(args) >= 1 && !strings.HasPrefix(args[0], "-"):
		return fmt.Errorf("unknown command %q: want serve, token create or user admin", args[0])
	default:
		return serve(ctx, args, getenv, stderr)
	}
}

// commandName is how the user ran this program, for hints: the binary's
// name, or "go run ./server/cmd/pyairtable" under go run.
func commandName() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, "go-build") {
		return "go run ./server/cmd/pyairtable"
	}
	return exe
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Parse("pyairtable", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	if target := getenv("PYAIRTABLE_FAULT_EXIT_AFTER_COMMIT"); target != "" {
		// Fault injection for tests: die after the write commits, before the
		// response is sent.
		idempotency.AfterCommit = func(procedure string) {
			if strings.HasSuffix(procedure, "/"+target) {
				os.Exit(86)
			}
		}
	}
	srv, err := app.New(ctx, cfg, log)
	if err != nil {
		if ctx.Err() != nil {
			log.Info("stopped while starting")
			return nil
		}
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		if err := serveDebug(ctx, cfg.DebugAddr, log); err != nil {
			return err
		}
	}
	log.Info("pyairtable listening", "addr", ln.Addr().String(), "database", string(srv.DB.Engine),
		"redis", cfg.RedisURL != "", "tls", cfg.TLSCertFile != "")
	if has, err := srv.HasUsers(ctx); err == nil && !has {
		log.Info("no users yet: create the first user (an administrator) and a token with: " +
			commandName() + " token create --email you@example.com")
	}
	return srv.Serve(ctx, ln)
}

func adminFlags(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(fs *flag.FlagSet)) (config.Config, error) {
	// Split the command's own flags from the shared configuration flags.
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	extra(fs)
	var own, rest []string
	for i := 0; i < len(args); i++ {
		key, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		f := fs.Lookup(key)
		if f == nil || !strings.HasPrefix(args[i], "-") {
			rest = append(rest, args[i])
			continue
		}
		own = append(own, args[i])
		isBool := false
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok {
			isBool = b.IsBoolFlag()
		}
		if !hasValue && !isBool && i+1 < len(args) {
			i++
			own = append(own, args[i])
		}
	}
	if err := fs.Parse(own); err != nil {
		return config.Config{}, err
	}
	return config.Parse(name, rest, getenv, stderr)
}

func openQuiet(ctx context.Context, cfg config.Config, stderr io.Writer) (*app.Server, error) {
	cfg.LogLevel = "warn"
	return app.New(ctx, cfg, newLogger(cfg, stderr), app.WithoutBackground())
}

func tokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email, name string
	cfg, err := adminFlags("pyairtable token create", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email; the user is created if missing (required)")
		fs.StringVar(&name, "name", "command line", "a name for the token")
	})
	if err != nil {
		return err
	}
	if email == "" || !strings.Contains(email, "@") {
		return errors.New("token create needs --email EMAIL")
	}
	srv, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer srv.Close()
	secret, err := srv.CreateBootstrapToken(ctx, email, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

func userAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email string
	var revoke bool
	cfg, err := adminFlags("pyairtable user admin", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email; the user is created if missing (required)")
		fs.BoolVar(&revoke, "revoke", false, "withdraw administrator rights instead")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("user admin needs --email EMAIL")
	}
	srv, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.SetAdmin(ctx, email, !revoke); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s administrator: %v (database %s)\n", email, !revoke, storage.Redact(cfg.DatabaseURL))
	return nil
}
