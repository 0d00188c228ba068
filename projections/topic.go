package projections

import (
	"fmt"
	"strings"

	"github.com/drip-ledger/drip/events"
)

// A topic selects events of the global log. The names follow KurrentDB's
// system projections, so they read the same whichever store is underneath:
//
//	"$all"          every event (TopicAll): what projections and the forwarder read
//	"$ce-household" every event of a stream in category "household"
//	                (a stream named "household-…"): CategoryTopic
//	"$et-fund.disbursed.v1"  every event of that type: TypeTopic
//	"household-520526104201-0007"  the events of that one stream
//
// Whatever the topic, a Subscriber reads the one global log and delivers the
// selected events in global order, so two subscriptions to different topics
// never see events in a different relative order. Publishing to a topic means
// appending to the stream of that name; "$…" names are reserved for reading
// (events.ValidStream refuses them as stream names).
const (
	TopicAll            = "$all"
	topicCategoryPrefix = "$ce-"
	topicTypePrefix     = "$et-"
)

// CategoryTopic returns the topic of every stream named category + "-…".
func CategoryTopic(category string) string { return topicCategoryPrefix + category }

// TypeTopic returns the topic of every event of type typ.
func TypeTopic(typ string) string { return topicTypePrefix + typ }

// topicFilter returns the test an event must pass to be delivered on topic,
// or an error if topic names nothing.
func topicFilter(topic string) (func(events.Event) bool, error) {
	switch {
	case topic == TopicAll:
		return func(events.Event) bool { return true }, nil
	case strings.HasPrefix(topic, topicCategoryPrefix):
		cat := strings.TrimPrefix(topic, topicCategoryPrefix)
		if why := events.ValidStream(cat); why != "" || strings.Contains(cat, "-") {
			return nil, fmt.Errorf("projections: topic %q: category must be a stream-name prefix without '-'", topic)
		}
		prefix := cat + "-"
		return func(ev events.Event) bool { return strings.HasPrefix(ev.Stream, prefix) }, nil
	case strings.HasPrefix(topic, topicTypePrefix):
		typ := strings.TrimPrefix(topic, topicTypePrefix)
		if !events.ValidTypeName(typ) {
			return nil, fmt.Errorf("projections: topic %q: %q is not a type name like area.fact.v1", topic, typ)
		}
		return func(ev events.Event) bool { return ev.Type == typ }, nil
	}
	if why := events.ValidStream(topic); why != "" {
		return nil, fmt.Errorf("projections: topic %q is neither %q, a %q/%q topic nor a stream name: it %s",
			topic, TopicAll, topicCategoryPrefix, topicTypePrefix, why)
	}
	return func(ev events.Event) bool { return ev.Stream == topic }, nil
}
