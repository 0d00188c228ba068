package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// conn is the part of the KurrentDB client the Store uses, so the store's
// logic (retries, read-back, positions, filtering) is tested against a fake
// and a move to another client touches only client.go's adapter.
type conn interface {
	// append appends evs to stream with the expected revision.
	append(ctx context.Context, stream string, exp esdb.ExpectedRevision, evs []esdb.EventData) (*esdb.WriteResult, error)
	// readStream reads up to count events of stream; errStreamNotFound if it
	// has none.
	readStream(ctx context.Context, stream string, from esdb.StreamPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error)
	// readAll reads up to count events of $all, unfiltered (the client has no
	// filter for reads).
	readAll(ctx context.Context, from esdb.AllPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error)
	// subscribeAll starts a catch-up subscription to $all after from (the
	// event at a Position is excluded; Start includes the first event),
	// filtered on the server.
	subscribeAll(ctx context.Context, from esdb.AllPosition, filter *esdb.SubscriptionFilter) (subscription, error)
	// serverMajor is the server's major version.
	serverMajor() (int, error)
	close() error
}

// subscription is a catch-up subscription: recv blocks for its next message.
type subscription interface {
	recv() *esdb.SubscriptionEvent
	close() error
}

var (
	errStreamNotFound   = errors.New("kurrentdb: stream not found")
	errWrongExpected    = errors.New("kurrentdb: wrong expected version")
	errSubscriptionDrop = errors.New("kurrentdb: subscription dropped")
)

// client adapts *esdb.Client to conn.
type client struct{ c *esdb.Client }

func (c client) append(ctx context.Context, stream string, exp esdb.ExpectedRevision, evs []esdb.EventData) (*esdb.WriteResult, error) {
	// RequiresLeader: an append is acknowledged by the leader once a quorum
	// has it, so the read-back that follows sees it.
	res, err := c.c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: exp, RequiresLeader: true}, evs...)
	if err != nil {
		return nil, classify(err)
	}
	return res, nil
}

func (c client) readStream(ctx context.Context, stream string, from esdb.StreamPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	rs, err := c.c.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: dir, From: from, RequiresLeader: true}, count)
	if err != nil {
		return nil, classify(err)
	}
	return drain(rs, count)
}

func (c client) readAll(ctx context.Context, from esdb.AllPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	rs, err := c.c.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from, RequiresLeader: true}, count)
	if err != nil {
		return nil, classify(err)
	}
	return drain(rs, count)
}

// drain collects a read's events. The client panics on a read message it
// does not know; that becomes an error here rather than a crash.
func drain(rs *esdb.ReadStream, count uint64) (out []*esdb.RecordedEvent, err error) {
	defer rs.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kurrentdb: read: client failed: %v", p)
		}
	}()
	for uint64(len(out)) < count {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, classify(err)
		}
		if ev.Event != nil {
			out = append(out, ev.Event)
		}
	}
	return out, nil
}

func (c client) subscribeAll(ctx context.Context, from esdb.AllPosition, filter *esdb.SubscriptionFilter) (subscription, error) {
	sub, err := c.c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: from, Filter: filter, RequiresLeader: true})
	if err != nil {
		return nil, classify(err)
	}
	return clientSub{sub}, nil
}

func (c client) serverMajor() (int, error) {
	v, err := c.c.GetServerVersion()
	if err != nil {
		return 0, classify(err)
	}
	return v.Major, nil
}

func (c client) close() error { return c.c.Close() }

type clientSub struct{ s *esdb.Subscription }

func (s clientSub) recv() *esdb.SubscriptionEvent { return s.s.Recv() }
func (s clientSub) close() error                  { return s.s.Close() }

// classify turns the client's error codes that the store branches on into
// its own sentinels, keeping the client's error for the message.
func classify(err error) error {
	var e *esdb.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case esdb.ErrorCodeResourceNotFound:
		return fmt.Errorf("%w: %v", errStreamNotFound, err)
	case esdb.ErrorCodeWrongExpectedVersion:
		return fmt.Errorf("%w: %v", errWrongExpected, err)
	}
	return err
}
