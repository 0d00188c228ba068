package projections

import "time"

// Limits of this package. Like the log's own limits (events/limits.go), input
// above them is refused with an error, never slowed down.
const (
	// ProjectionsMax bounds the models one ModelRunner runs: each holds a
	// subscription and a goroutine.
	ProjectionsMax = 256
	// NameBytesMax bounds a projection or consumer-group name, which also
	// names its checkpoint file.
	NameBytesMax = 100
	// CheckpointNameBytesMax bounds a checkpoint name: a consumer group, "@"
	// and a topic.
	CheckpointNameBytesMax = NameBytesMax + 1 + 4 + 200
	// RetriesMax bounds ModelRunnerConfig.Retries: beyond a few attempts an
	// event that keeps failing is a bug to stop at, not a blip to wait out.
	RetriesMax = 20
	// DelayMax bounds every configured wait (retry and nack backoff, ack
	// wait on stop), so a typo cannot park a consumer for hours.
	DelayMax = 5 * time.Minute
)

// Limits and defaults of the ModelRunner (models.go).
const (
	// BatchEventsDefault is how many events the ModelRunner reads, decodes
	// and hands to its models at once during catch-up: large enough that a
	// model's Commit (one fsync on disk) is paid once per thousands of
	// events, small enough that a batch of decoded events stays a few MB.
	BatchEventsDefault = 2048
	// BatchEventsMax bounds ModelRunnerConfig.BatchEvents: one ReadAll.
	BatchEventsMax = 10_000
	// QueueBatchesDefault is how many decoded batches may wait for one
	// model: the reader runs ahead of the slowest model by at most this
	// many, which bounds the memory of a catch-up.
	QueueBatchesDefault = 4
	// QueueBatchesMax bounds ModelRunnerConfig.QueueBatches.
	QueueBatchesMax = 64
	// SwapDrainDelay is how long a replaced model version is kept after its
	// successor took over, before it is dropped: a read that began on the
	// old version finishes on whole state.
	SwapDrainDelay = 5 * time.Second
)
