package projections

import "time"

// Limits of this package. Like the log's own limits (events/limits.go), input
// above them is refused with an error, never slowed down.
const (
	// ProjectionsMax bounds the projections one Runner runs: each holds a
	// subscription and a goroutine.
	ProjectionsMax = 256
	// NameBytesMax bounds a projection or consumer-group name, which also
	// names its checkpoint file.
	NameBytesMax = 100
	// CheckpointNameBytesMax bounds a checkpoint name: a consumer group, "@"
	// and a topic.
	CheckpointNameBytesMax = NameBytesMax + 1 + 4 + 200
	// RetriesMax bounds RunnerConfig.Retries: beyond a few attempts an
	// event that keeps failing is a bug to stop at, not a blip to wait out.
	RetriesMax = 20
	// DelayMax bounds every configured wait (retry and nack backoff, ack
	// wait on stop), so a typo cannot park a consumer for hours.
	DelayMax = 5 * time.Minute
)
