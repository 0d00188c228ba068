package forward

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
)

// provision creates the stream, or updates it to this configuration: its
// subjects, its de-duplication window (the no-duplicate argument depends on
// it, so it is set explicitly, never left to the server's default), file
// storage, and its limits.
func provision(ctx context.Context, conn *nats.Conn, cfg Config) (jetstream.Stream, error) {
	js, err := jetstream.New(conn)
	if err != nil {
		return nil, fmt.Errorf("forward: jetstream: %w", err)
	}
	maxBytes := cfg.StreamBytesMax
	if maxBytes == 0 {
		maxBytes = -1
	}
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "Drip's global log in order, one subject per event type (drip forward)",
		Subjects:    []string{cfg.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  cfg.DedupWindow,
		MaxBytes:    maxBytes,
		Discard:     jetstream.DiscardNew,
		MaxMsgSize:  MessageBytesMax,
	})
	if err != nil {
		return nil, fmt.Errorf("forward: create or update stream %s: %w", cfg.Stream, err)
	}
	return stream, nil
}

// last is the stream's last message, as far as the forwarder cares.
type last struct {
	position uint64
	id       string
}

// lastMessage returns the stream's last message, or false if it is empty.
func lastMessage(ctx context.Context, stream jetstream.Stream) (last, bool, error) {
	info, err := stream.Info(ctx)
	if err != nil {
		return last{}, false, fmt.Errorf("forward: stream info: %w", err)
	}
	if info.State.Msgs == 0 {
		return last{}, false, nil
	}
	msg, err := stream.GetMsg(ctx, info.State.LastSeq)
	if err != nil {
		return last{}, false, fmt.Errorf("forward: read message %d: %w", info.State.LastSeq, err)
	}
	pos, err := strconv.ParseUint(msg.Header.Get(projections.MetaPosition), 10, 64)
	id := msg.Header.Get(nats.MsgIdHdr)
	if err != nil || id == "" {
		return last{}, false, fmt.Errorf("%w: message %d on %s has no %s and %s headers", ErrForeignStream,
			msg.Sequence, msg.Subject, projections.MetaPosition, nats.MsgIdHdr)
	}
	return last{position: pos, id: id}, true, nil
}

// storedLast reports whether ev is the stream's last message: a publish
// whose acknowledgement was lost, stored all the same.
func storedLast(ctx context.Context, stream jetstream.Stream, ev events.Event) (bool, error) {
	l, ok, err := lastMessage(ctx, stream)
	if err != nil || !ok {
		return false, err
	}
	return l.position == ev.Position && l.id == ev.ID.String(), nil
}

// reconcile runs on start, before the first publish: it moves the checkpoint
// up to the stream's last message if that is ahead (stored, but the process
// stopped before the checkpoint save), after checking that the message is
// this log's event at that position.
func (f *Forwarder) reconcile(ctx context.Context, stream jetstream.Stream) error {
	name := f.cfg.ConsumerGroup
	cp, err := f.cfg.Checkpoints.Load(ctx, name)
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	f.setPosition(cp)
	l, ok, err := lastMessage(ctx, stream)
	if err != nil {
		return err
	}
	if !ok {
		if cp > 0 {
			f.log.Warn("forward: the stream is empty but the checkpoint is not: was it deleted or purged? Going on after the checkpoint",
				"checkpoint", cp)
		}
		return nil
	}
	evs, err := f.store.ReadAll(ctx, l.position, 1)
	if err != nil {
		return fmt.Errorf("forward: read position %d: %w", l.position, err)
	}
	if len(evs) == 0 || evs[0].Position != l.position || evs[0].ID.String() != l.id {
		return fmt.Errorf("%w: its last message is event %s at position %d, which is not this log's event there",
			ErrForeignStream, l.id, l.position)
	}
	switch {
	case l.position > cp:
		if err := f.cfg.Checkpoints.Save(ctx, name, l.position); err != nil {
			return fmt.Errorf("forward: %w", err)
		}
		f.log.Info("forward: the stream already holds events after the checkpoint; going on after them",
			"checkpoint", cp, "stored", l.position)
		f.setPosition(l.position)
	case l.position < cp:
		f.log.Warn("forward: the stream ends before the checkpoint: were messages removed? Going on after the checkpoint",
			"checkpoint", cp, "stored", l.position)
	}
	return nil
}
