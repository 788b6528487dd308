package pagetoken_test

import (
	"testing"

	"github.com/pyairtable/pyairtable/server/pagetoken"
)

type cur struct{ ID string }

func TestTokensAreSignedAndBoundToTheirList(t *testing.T) {
	c := pagetoken.New([]byte("key"))
	tok, err := c.Encode("workspaces:usr1", cur{ID: "wsp1"})
	if err != nil {
		t.Fatal(err)
	}
	var got cur
	if err := c.Decode(tok, "workspaces:usr1", &got); err != nil || got.ID != "wsp1" {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if err := c.Decode(tok, "workspaces:usr2", &got); err != pagetoken.ErrMismatch {
		t.Fatalf("another list's token: %v", err)
	}
	if err := pagetoken.New([]byte("other")).Decode(tok, "workspaces:usr1", &got); err != pagetoken.ErrMismatch {
		t.Fatalf("another key's token: %v", err)
	}
	tampered := []byte(tok)
	tampered[len(tampered)-3] ^= 1
	if err := c.Decode(string(tampered), "workspaces:usr1", &got); err != pagetoken.ErrMismatch {
		t.Fatalf("tampered token: %v", err)
	}
}

func TestTrim(t *testing.T) {
	c := pagetoken.New([]byte("key"))
	rows := []string{"a", "b", "c"}
	page, next, err := pagetoken.Trim(c, "s", rows, 3, func(last string) any { return cur{ID: last} })
	if err != nil || len(page) != 3 || next != "" {
		t.Fatalf("last page: %v %q %v", page, next, err)
	}
	page, next, err = pagetoken.Trim(c, "s", rows, 2, func(last string) any { return cur{ID: last} })
	var got cur
	if err != nil || len(page) != 2 || c.Decode(next, "s", &got) != nil || got.ID != "b" {
		t.Fatalf("first page: %v %q %v (%v)", page, next, err, got)
	}
	if pagetoken.Size(0) != 100 || pagetoken.Size(5000) != 1000 || pagetoken.Size(7) != 7 {
		t.Fatal("Size")
	}
}
