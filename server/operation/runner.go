package operation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Handler does an operation's work. It must be safe to run again after a
// crash part-way, and clean up after itself when it fails.
type Handler func(ctx context.Context, op *Operation) error

// Lease is how long a claim lasts without renewal.
const Lease = 30 * time.Second

// Runner claims and runs operations.
type Runner struct {
	db       *storage.DB
	log      *slog.Logger
	owner    string
	handlers map[string]Handler
	nudge    chan struct{}
	mu       sync.Mutex
	done     map[string]chan struct{} // operations running here, closed when they end
	base     context.Context          // lives as long as Run
	inline   sync.WaitGroup           // operations started by RunNow
}

// NewRunner returns a runner; Register its handlers before Run.
func NewRunner(db *storage.DB, log *slog.Logger) *Runner {
	return &Runner{db: db, log: log, owner: ids.Random(12), handlers: map[string]Handler{},
		nudge: make(chan struct{}, 1), done: map[string]chan struct{}{}, base: context.Background()}
}

// Register sets the handler of a kind.
func (r *Runner) Register(kind string, h Handler) { r.handlers[kind] = h }

// Run claims and runs operations until ctx ends: at once when nudged, and
// every second otherwise (which also resumes jobs whose runner died).
func (r *Runner) Run(ctx context.Context) {
	r.mu.Lock()
	r.base = ctx
	r.mu.Unlock()
	defer r.inline.Wait()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for r.runOne(ctx, "") {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.nudge:
		}
	}
}

// Nudge asks the runner to look for work now.
func (r *Runner) Nudge() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// RunNow starts one operation at once on this server, unless another
// server holds it, and waits for it to end for at most wait (or until ctx
// ends); the operation goes on after that.
func (r *Runner) RunNow(ctx context.Context, id string, wait time.Duration) {
	r.mu.Lock()
	base := r.base
	r.mu.Unlock()
	ended := make(chan struct{})
	r.inline.Add(1)
	go func() {
		defer r.inline.Done()
		defer close(ended)
		r.runOne(base, id)
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ended:
	case <-timer.C:
	case <-ctx.Done():
	}
}

// claim takes a pending operation, or one whose lease ran out (its runner
// died); id limits it to one operation.
func (r *Runner) claim(ctx context.Context, id string) (*Operation, error) {
	t := now()
	q := r.db.NewSelect().Model((*Operation)(nil)).Column("id").
		Where("(state = ? OR (state = ? AND lease_until < ?))", Pending, Running, t).
		Order("created_at").Limit(1)
	if id != "" {
		q = q.Where("id = ?", id)
	}
	var candidate string
	if err := q.Scan(ctx, &candidate); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil // no work
		}
		return nil, err
	}
	until := t.Add(Lease)
	res, err := r.db.NewUpdate().Model((*Operation)(nil)).
		Set("state = ?", Running).Set("lease_owner = ?", r.owner).Set("lease_until = ?", until).
		Set("attempts = attempts + 1").Set("updated_at = ?", t).
		Where("id = ? AND (state = ? OR (state = ? AND lease_until < ?))", candidate, Pending, Running, t).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil // another server took it
	}
	op := new(Operation)
	return op, r.db.NewSelect().Model(op).Where("id = ?", candidate).Scan(ctx)
}

// runOne claims and runs one operation; it reports whether it ran one.
func (r *Runner) runOne(ctx context.Context, id string) bool {
	op, err := r.claim(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			r.log.WarnContext(ctx, "claim operation", "err", err)
		}
		return false
	}
	if op == nil {
		return false
	}
	ch := make(chan struct{})
	r.mu.Lock()
	r.done[op.ID] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.done, op.ID)
		r.mu.Unlock()
		close(ch)
	}()
	hctx, cancel := context.WithCancel(ctx)
	lost := false
	stop := r.keepLease(hctx, op.ID, func() { lost = true; cancel() })
	err = r.handle(hctx, op)
	stop()
	cancel()
	switch {
	case lost:
		// Another server took the job over; it reports the outcome.
		r.log.WarnContext(ctx, "lost the lease of an operation", "operation_id", op.ID)
	case err != nil && ctx.Err() != nil:
		// Shutting down: hand the job back for any server to resume.
		r.release(op.ID)
	default:
		r.finish(ctx, op, err)
	}
	return true
}

// release hands a job back: pending, with no lease.
func (r *Runner) release(id string) {
	_, err := r.db.NewUpdate().Model((*Operation)(nil)).Set("state = ?", Pending).Set("lease_owner = ''").
		Set("lease_until = NULL").Set("updated_at = ?", now()).
		Where("id = ? AND lease_owner = ?", id, r.owner).Exec(context.Background())
	if err != nil {
		r.log.Error("hand an operation back", "operation_id", id, "err", err)
	}
}

func (r *Runner) handle(ctx context.Context, op *Operation) (err error) {
	h := r.handlers[op.Kind]
	if h == nil {
		return apperr.New(apperr.Internal, "INTERNAL", "no handler for operation kind %q", op.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			err = apperr.New(apperr.Internal, "INTERNAL", "operation panicked: %v", p)
		}
	}()
	return h(ctx, op)
}

// keepLease renews the claim until stopped; when the claim is lost (another
// server took the job after a renewal failed), it calls lost.
func (r *Runner) keepLease(ctx context.Context, id string, lost func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(Lease / 3)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				res, err := r.db.NewUpdate().Model((*Operation)(nil)).Set("lease_until = ?", now().Add(Lease)).
					Where("id = ? AND lease_owner = ?", id, r.owner).Exec(ctx)
				if err != nil {
					if time.Since(renewed) > Lease-Lease/6 {
						// The lease is about to run out: another server may
						// take the job, so stop working on it.
						lost()
						return
					}
					continue // try again before the lease runs out
				}
				renewed = time.Now()
				if n, _ := res.RowsAffected(); n == 0 {
					lost()
					return
				}
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func (r *Runner) finish(ctx context.Context, op *Operation, err error) {
	t := now()
	q := r.db.NewUpdate().Model((*Operation)(nil)).Set("updated_at = ?", t).Set("ended_at = ?", t).
		Set("lease_owner = ''").Where("id = ? AND lease_owner = ?", op.ID, r.owner)
	if err == nil {
		q = q.Set("state = ?", Succeeded).Set("progress = 100")
	} else {
		f := Failure{Code: "internal", Reason: "INTERNAL", Message: "the operation failed; the server log has the details"}
		if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
			f = Failure{Code: e.Kind.String(), Reason: e.Reason, Message: e.Message, Metadata: e.Metadata}
		} else {
			r.log.ErrorContext(ctx, "operation failed", "operation_id", op.ID, "kind", op.Kind, "err", err)
		}
		raw, _ := json.Marshal(f)
		q = q.Set("state = ?", Failed).Set("error = ?", string(raw))
	}
	if _, err := q.Exec(context.WithoutCancel(ctx)); err != nil {
		r.log.ErrorContext(ctx, "record operation end", "operation_id", op.ID, "err", err)
	}
}
