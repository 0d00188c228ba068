package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection backoff of the listening connection.
const (
	listenBackoffMin = 50 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// listen keeps one connection LISTENing on the store's channel and advances
// the notifier with every position an append (from any process) commits.
// Notifications sent while it is disconnected are lost; after each reconnect
// it reads the head, and wait polls besides, so a lost one delays a
// subscriber by at most Options.PollInterval and never loses an event: the
// events themselves are always read from the log.
func (s *Store) listen(ctx context.Context) {
	defer close(s.listenDone)
	backoff := listenBackoffMin
	for {
		connected, err := s.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = listenBackoffMin
		}
		s.log.Warn("postgres: listening connection failed; reconnecting", "schema", s.opts.Schema, "in", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

func (s *Store) listenOnce(ctx context.Context) (connected bool, err error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	// Named apart from the pool's connections, so an operator (or a test)
	// can tell the listener in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = strings.TrimSpace(cfg.RuntimeParams["application_name"] + " drip-listener")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.q.channel}.Sanitize()); err != nil {
		return false, err
	}
	var head int64
	if err := conn.QueryRow(ctx, s.q.head).Scan(&head); err != nil {
		return false, err
	}
	s.notify.Advance(uint64(head))
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		pos, err := strconv.ParseUint(n.Payload, 10, 64)
		if err != nil {
			return true, errors.New("postgres: notification " + strconv.Quote(n.Payload) + " is not a position")
		}
		s.notify.Advance(pos)
	}
}

// wait is a subscription's events.FollowSource.Wait: it returns when the
// notifier has seen position pos, or after Options.PollInterval, whichever is
// first, so the subscription reads again even if a notification was lost.
func (s *Store) wait(ctx context.Context, pos uint64) error {
	pctx, cancel := context.WithTimeout(ctx, s.opts.PollInterval)
	defer cancel()
	err := s.notify.Wait(pctx, pos)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil
	}
	return err
}
