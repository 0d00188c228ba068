// Package events is the schema and storage contract of Drip's log.
//
// Everything Drip knows is an Event appended to a stream (one stream per
// aggregate) with an expected version. This package holds the envelope and its
// metadata, the explicit Registry of event types with their payload validation
// and upcasters, the Store contract every storage engine implements (with its
// sentinel errors), the limits that bound every input, and an in-memory Store for
// unit tests. It imports only the standard library, so every other package can
// depend on it.
package events
