package workspace_test

import (
	"context"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/workspace"
)

func mustUser(t *testing.T, db *storage.DB, email string) *user.User {
	t.Helper()
	u, err := user.Create(context.Background(), db, email, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestConcurrentDemotionsKeepAnOwner: two owners demote each other at the
// same time; the database serialises them so one stays owner.
func TestConcurrentDemotionsKeepAnOwner(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := workspace.NewService(db, pagetoken.New([]byte("k")))
		a, b := mustUser(t, db, "a@example.com"), mustUser(t, db, "b@example.com")
		var ws *workspace.Workspace
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if ws, err = svc.Create(ctx, tx, workspace.Owner{UserID: a.ID, Email: "a@example.com"}, "W", ""); err != nil {
				return err
			}
			_, err = svc.AddMember(ctx, tx, ws.ID, "b@example.com", access.RoleOwner)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for round := range 5 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, target := range []string{a.ID, b.ID} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						_, err := svc.UpdateMember(ctx, tx, ws.ID, workspace.MemberRef{UserID: target}, access.RoleEditor)
						return err
					})
				}()
			}
			wg.Wait()
			failed := 0
			for _, err := range errs {
				if err != nil {
					if !apperr.IsKind(err, apperr.FailedPrecondition) {
						t.Fatalf("round %d: %v; want LAST_OWNER", round, err)
					}
					failed++
				}
			}
			n, err := db.NewSelect().Table("members").Where("workspace_id = ? AND role = 'owner'", ws.ID).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if failed != 1 || n != 1 {
				t.Fatalf("round %d: %d refused, %d owners left; want 1 and 1", round, failed, n)
			}
			// Restore two owners for the next round.
			err = db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				for _, id := range []string{a.ID, b.ID} {
					if _, err := svc.UpdateMember(ctx, tx, ws.ID, workspace.MemberRef{UserID: id}, access.RoleOwner); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestPendingMembershipLinksOnSignUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := workspace.NewService(db, pagetoken.New([]byte("k")))
		a := mustUser(t, db, "a@example.com")
		var ws *workspace.Workspace
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if ws, err = svc.Create(ctx, tx, workspace.Owner{UserID: a.ID, Email: "a@example.com"}, "W", ""); err != nil {
				return err
			}
			m, err := svc.AddMember(ctx, tx, ws.ID, "New.Person@Example.com", access.RoleCommenter)
			if err == nil && (m.UserID != nil || *m.Email != "new.person@example.com") {
				t.Errorf("pending member = %+v", m)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n := mustUser(t, db, "new.person@example.com")
		if role, _ := svc.MemberRole(ctx, ws.ID, n.ID); role != access.RoleNone {
			t.Fatalf("role before linking = %v", role)
		}
		if err := workspace.LinkPending(ctx, db, n.ID, "NEW.person@example.com"); err != nil {
			t.Fatal(err)
		}
		if role, _ := svc.MemberRole(ctx, ws.ID, n.ID); role != access.RoleCommenter {
			t.Fatalf("role after linking = %v; want commenter", role)
		}
	})
}
