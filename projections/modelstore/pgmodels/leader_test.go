package pgmodels_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/modeltest"
	"github.com/drip-ledger/drip/projections/modelstore/pgmodels"
)

// takeoverS bounds a takeover in these tests: the winner's loss is seen
// within CheckInterval, the other's next try within RetryInterval.
const takeoverS = 5

var fast = pgmodels.LeaderOptions{CheckInterval: 50 * time.Millisecond, RetryInterval: 50 * time.Millisecond}

// terminate kills pid's session as an operator (or a network cut) would.
func terminate(t *testing.T, dsn string, pid uint32) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var ok bool
	if err := conn.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
}

func commit(ctx context.Context, s modelstore.Store, checkpoint uint64, value string) error {
	var b modelstore.Batch
	b.Put([]byte("k"), []byte(value))
	return s.Commit(ctx, "m", &b, checkpoint)
}

func TestLeaderOneOfTwoWinsAndTheOtherTakesOverWhenItsConnectionDies(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	// Given two processes on one schema, and A leads.
	a, b := open(t, d, schema), open(t, d, schema)
	la, err := a.TryLead(t.Context(), "models", fast)
	if err != nil || la == nil {
		t.Fatalf("A's TryLead = %v, %v; want the leadership", la, err)
	}
	defer la.Resign(t.Context())
	lb, err := b.TryLead(t.Context(), "models", fast)
	if err != nil || lb != nil {
		t.Fatalf("B's TryLead while A leads = %v, %v; want nil, nil", lb, err)
	}
	// Another name is another leadership.
	other, err := b.TryLead(t.Context(), "other", fast)
	if err != nil || other == nil {
		t.Fatalf("TryLead of another name: %v, %v", other, err)
	}
	other.Resign(t.Context())
	if err := commit(t.Context(), la.Store(), 5, "A"); err != nil {
		t.Fatalf("the leader's commit: %v", err)
	}
	// B campaigns.
	won := make(chan *pgmodels.Leadership, 1)
	go func() {
		l, err := b.Lead(t.Context(), "models", fast)
		if err != nil {
			t.Errorf("B's Lead: %v", err)
		}
		won <- l
	}()
	select {
	case <-won:
		t.Fatal("B won while A leads")
	case <-time.After(300 * time.Millisecond):
	}

	// When A's session is terminated.
	start := time.Now()
	terminate(t, d, la.PID())

	// Then B leads within the bound, A sees its loss, and A's commits are
	// refused while B's go through.
	var lb2 *pgmodels.Leadership
	select {
	case lb2 = <-won:
	case <-time.After(takeoverS * time.Second):
		t.Fatalf("B did not take over within %d s", takeoverS)
	}
	defer lb2.Resign(t.Context())
	took := time.Since(start)
	select {
	case <-la.Lost():
	case <-time.After(takeoverS * time.Second):
		t.Fatalf("A did not see its leadership lost within %d s", takeoverS)
	}
	t.Logf("B took over %v after A's session was terminated", took)
	if err := commit(t.Context(), la.Store(), 10, "A, stale"); !errors.Is(err, pgmodels.ErrNotLeader) {
		t.Errorf("the old leader's commit: %v, want ErrNotLeader", err)
	}
	if err := la.Store().Drop(t.Context(), "m"); !errors.Is(err, pgmodels.ErrNotLeader) {
		t.Errorf("the old leader's drop: %v, want ErrNotLeader", err)
	}
	if err := commit(t.Context(), lb2.Store(), 6, "B"); err != nil {
		t.Errorf("the new leader's commit: %v", err)
	}
	if v, _, _ := a.Get(t.Context(), "m", []byte("k")); string(v) != "B" {
		t.Errorf("the model holds %q, want the new leader's B", v)
	}
	if c, _ := a.Checkpoint(t.Context(), "m"); c != 6 {
		t.Errorf("checkpoint %d, want 6", c)
	}
}

func TestLeaderResignsAndAnotherWins(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	a, b := open(t, d, schema), open(t, d, schema)
	la, err := a.Lead(t.Context(), "models", fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := la.Resign(t.Context()); err != nil {
		t.Fatalf("Resign: %v", err)
	}
	select {
	case <-la.Lost():
	default:
		t.Error("Lost is open after Resign")
	}
	ctx, cancel := context.WithTimeout(t.Context(), takeoverS*time.Second)
	defer cancel()
	lb, err := b.Lead(ctx, "models", fast)
	if err != nil {
		t.Fatalf("B's Lead after A resigned: %v", err)
	}
	lb.Resign(t.Context())
}

func TestLeadEndsWithItsContext(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	a, b := open(t, d, schema), open(t, d, schema)
	la, err := a.Lead(t.Context(), "models", fast)
	if err != nil {
		t.Fatal(err)
	}
	defer la.Resign(t.Context())
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := b.Lead(ctx, "models", fast); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lead while another leads, until its deadline: %v", err)
	}
	if _, err := b.TryLead(t.Context(), "models", pgmodels.LeaderOptions{CheckInterval: time.Nanosecond}); err == nil {
		t.Error("TryLead accepted a 1 ns CheckInterval")
	}
}

// holder returns the backend pid that holds a leadership's lock, 0 if none.
func holder(t *testing.T, dsn string) uint32 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var pid int32
	err = conn.QueryRow(t.Context(), "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1", int64(0x6c656164)).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return uint32(pid)
}

func TestCampaignRunsOneLeaderAndHandsOverOnLoss(t *testing.T) {
	d := dsn(t)
	schema := newSchema(t, d)
	stores := []*pgmodels.Store{open(t, d, schema), open(t, d, schema)}
	type event struct {
		who     int
		running bool
	}
	events := make(chan event, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 2)
	// Given two processes campaigning; each, while it leads, commits once
	// and waits for its context.
	for who, s := range stores {
		go func() {
			done <- s.Campaign(ctx, "models", fast, func(ctx context.Context, ms modelstore.Store) error {
				cp, _ := ms.Checkpoint(ctx, "m")
				if err := commit(ctx, ms, cp+1, "by "+string(rune('A'+who))); err != nil && ctx.Err() == nil {
					t.Errorf("the leader's commit: %v", err)
				}
				events <- event{who, true}
				<-ctx.Done()
				events <- event{who, false}
				return ctx.Err()
			})
		}()
	}
	next := func() event {
		select {
		case e := <-events:
			return e
		case <-time.After(takeoverS * time.Second):
			t.Fatal("no leader change within the bound")
			return event{}
		}
	}
	first := next()
	if !first.running {
		t.Fatalf("first event: %+v", first)
	}
	// When the leader's session is terminated, twice over.
	for round := range 2 {
		terminate(t, d, holder(t, d))
		// Then the old leader's run ends and a new one starts (in either
		// process: whichever campaigns first after the loss). The two may
		// overlap by up to CheckInterval; the fence keeps the old one from
		// writing meanwhile.
		var stopped, started bool
		var now event
		for !stopped || !started {
			switch e := next(); {
			case e == event{first.who, false}:
				stopped = true
			case e.running && !started:
				started, now = true, e
			default:
				t.Fatalf("round %d: after %+v lost: %+v", round, first, e)
			}
		}
		first = now
	}
	cancel()
	for range 2 {
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Campaign after its context ended: %v", err)
		}
	}
	if c, _ := stores[0].Checkpoint(t.Context(), "m"); c != 3 {
		t.Errorf("three leaderships committed up to %d, want 3", c)
	}
}

// leaderStore is a Leadership's fenced Store whose Close ends the
// leadership and closes the Store under it, so the suite can run on it.
type leaderStore struct {
	modelstore.Store
	l     *pgmodels.Leadership
	under *pgmodels.Store
}

func (s leaderStore) Close() error {
	s.l.Resign(context.Background())
	return s.under.Close()
}

// The leader writes through the fenced Store: it keeps the whole contract.
func TestConformanceOfTheLeadersStore(t *testing.T) {
	d := dsn(t)
	modeltest.Run(t, func(t *testing.T) modelstore.Store {
		s := open(t, d, newSchema(t, d))
		l, err := s.TryLead(t.Context(), "models", fast)
		if err != nil || l == nil {
			t.Fatalf("TryLead in a fresh schema: %v, %v", l, err)
		}
		return leaderStore{l.Store(), l, s}
	})
}
