package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// TestAdminCommandReachesServerWithoutRedis: with the embedded defaults
// (SQLite, no Redis) the command line is another process; the running
// server learns of its change through the database within seconds.
func TestAdminCommandReachesServerWithoutRedis(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.SQLite)
	env := sharedEnv(dbURL, false)
	p := startServer(t, "A", env)
	ctx := context.Background()
	x := createToken(t, dbURL, "x@example.com")
	y := mustCurrentUser(t, p, createToken(t, dbURL, "y@example.com"))
	getY := func() error {
		_, err := p.clients(x).Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: y.GetId()}))
		return err
	}
	for range 2 { // the second call is served from the cache
		if err := getY(); err != nil {
			t.Fatalf("administrator's GetUser: %v", err)
		}
	}
	// A boolean flag before a valued one.
	out := runCLI(t, env, "user", "admin", "--revoke", "--email", "x@example.com")
	if !strings.Contains(out, "x@example.com administrator: false") {
		t.Fatalf("user admin --revoke printed %q", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := getY()
		if connect.CodeOf(err) == connect.CodeNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after the command the server still treats x as an administrator (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	servertest.WantCode(t, getY(), connect.CodeNotFound)
}
