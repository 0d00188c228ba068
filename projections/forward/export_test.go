package forward

import "github.com/drip-ledger/drip/events"

// SetAfterPublish sets the hook that runs after JetStream has stored an
// event and before its log message is acked; an error stops Run there, as a
// crash between publish and checkpoint save would.
func SetAfterPublish(f *Forwarder, hook func(events.Event) error) { f.afterPublish = hook }
