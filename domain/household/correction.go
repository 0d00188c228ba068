package household

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// TypeHouseholdCorrected is the type of a correction.
const TypeHouseholdCorrected = "household.corrected.v1"

// Codes of corrections.
const (
	CodeCorrectionTargetUnknown = "correction_target_unknown"
	CodeCorrectionTargetInvalid = "correction_target_invalid"
	CodeCorrectionFieldFixed    = "correction_field_immutable"
	CodeCorrectionInvalid       = "correction_invalid"
)

// CorrectionFieldsBytesMax bounds a correction's fields.
const CorrectionFieldsBytesMax = 16 << 10

// Corrected records that an earlier event of the stream stated something
// wrongly. Fields is a JSON object of the payload's top-level fields with
// their right values; the rest of the payload stands. Nothing is edited:
// the original event stays in the log, and Evolve folds the history again
// with the corrected payload in its place.
type Corrected struct {
	EventID    events.ID       `json:"eventId"`
	Version    uint64          `json:"version"`
	Type       string          `json:"type"`
	ApprovedBy string          `json:"approvedBy"`
	Reason     string          `json:"reason"`
	Fields     json.RawMessage `json:"fields"`
}

func (*Corrected) EventType() string { return TypeHouseholdCorrected }

func (e *Corrected) Validate() error {
	var ps domain.Problems
	if e.EventID.IsZero() {
		ps.Addf("eventId", CodeRequired, "is required")
	}
	if e.Version < 1 {
		ps.Addf("version", CodeRequired, "is a version from 1")
	}
	if !events.ValidTypeName(e.Type) {
		ps.Addf("type", CodeRequired, "is an event type like household.assessed.v1")
	}
	requireText(&ps, "approvedBy", e.ApprovedBy, NameRunesMax)
	requireText(&ps, "reason", e.Reason, TextRunesMax)
	var fields map[string]json.RawMessage
	switch {
	case len(e.Fields) > CorrectionFieldsBytesMax:
		ps.Addf("fields", CodeTooLong, "is %d bytes, above the limit of %d", len(e.Fields), CorrectionFieldsBytesMax)
	case json.Unmarshal(e.Fields, &fields) != nil || len(fields) == 0:
		ps.Addf("fields", CodeRequired, "is a JSON object of at least one corrected field")
	}
	return ps.Err()
}

// Correction is a correction as the state shows it.
type Correction struct {
	Corrected
	CorrectionID events.ID `json:"correctionId"`
	ActorID      string    `json:"actorId"`
	OccurredAt   time.Time `json:"occurredAt"`
	RecordedAt   time.Time `json:"recordedAt"`
}

// fixedFields are the fields no correction may change, per event type:
// they identify the household or an object other events refer to, or they
// decide which status an event moved to. A wrong one is a new fact
// (removal and registration anew, a new assessment), not a correction.
var fixedFields = map[string][]string{
	TypeHouseholdRegistered:        {"fileNumber", "village"},
	TypeHouseholdAssessed:          {"kind"},
	TypeHouseholdPublicityStarted:  {"stage"},
	TypeHouseholdObjectionRaised:   {"number"},
	TypeHouseholdObjectionResolved: {"number"},
	TypeHouseholdMeasurePlanned:    {"measureId"},
	TypeHouseholdMemberDied:        {"residentId"},
}

// Correct corrects an earlier event of the household's stream.
type Correct struct {
	EventID    events.ID       `json:"eventId"`
	Version    uint64          `json:"version"`
	ApprovedBy string          `json:"approvedBy"`
	Reason     string          `json:"reason"`
	Fields     json.RawMessage `json:"fields"`
}

func (Correct) Name() string { return "correct" }

// Decide needs an event of this stream with that ID at that version
// (correction_target_unknown) that is not itself a correction
// (correction_target_invalid; correct the original again instead); fields
// that may change (correction_field_immutable); and a corrected payload
// that is still valid (its problems, under "fields").
func (c Correct) Decide(s State, _ time.Time) ([]events.Payload, error) {
	i := s.find(c.EventID)
	if i < 0 || s.history[i].version != c.Version {
		return nil, errorf(CodeCorrectionTargetUnknown, "the household's stream has no event %s at version %d", c.EventID, c.Version)
	}
	target := s.history[i]
	if target.typ == TypeHouseholdCorrected {
		return nil, errorf(CodeCorrectionTargetInvalid, "a correction is not corrected; correct event %s again", target.id)
	}
	ev := &Corrected{EventID: c.EventID, Version: c.Version, Type: target.typ, ApprovedBy: c.ApprovedBy, Reason: c.Reason, Fields: c.Fields}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(c.Fields, &fields) // checked by Validate
	var ps domain.Problems
	for _, f := range fixedFields[target.typ] {
		if _, ok := fields[f]; ok {
			ps.Addf("fields."+f, CodeCorrectionFieldFixed, "%s of %s cannot be corrected", f, target.typ)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	merged, err := merge(target, c.Fields)
	if err != nil {
		ps.Add("fields", err)
		return nil, ps.Err()
	}
	if err := sameResidents(target.payload, merged); err != nil {
		return nil, err
	}
	return []events.Payload{ev}, nil
}

// CodeCorrectionResidentID refuses a correction that would change which
// resident IDs a household holds.
const CodeCorrectionResidentID = "correction_resident_id"

// sameResidents refuses a corrected registration whose resident IDs differ
// from the original's: each ID is claimed on its own stream when the
// household registers (resident.go), so a correction that swapped one in
// would slip past the rule that an ID belongs to at most one living
// household. A wrong ID is a new fact: remove the household (mis-identified)
// and register it anew, which claims the right IDs.
func sameResidents(orig, merged events.Payload) error {
	a, ok1 := orig.(*Registered)
	b, ok2 := merged.(*Registered)
	if !ok1 || !ok2 {
		return nil
	}
	ids := func(r *Registered) map[domain.ResidentID]bool {
		m := map[domain.ResidentID]bool{r.Head.ResidentID: true}
		for _, x := range r.Members {
			m[x.ResidentID] = true
		}
		return m
	}
	before, after := ids(a), ids(b)
	same := len(before) == len(after)
	for id := range after {
		same = same && before[id]
	}
	if !same {
		var ps domain.Problems
		ps.Addf("fields", CodeCorrectionResidentID,
			"a correction may fix names and details but not change the household's resident IDs; remove the household as mis-identified and register it anew")
		return ps.Err()
	}
	return nil
}

func (s State) find(id events.ID) int {
	for i, e := range s.history {
		if e.id == id {
			return i
		}
	}
	return -1
}

// merge returns target's payload with fields in place of its own, decoded
// strictly as the same type and validated.
func merge(target entry, fields json.RawMessage) (events.Payload, error) {
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(fields, &patch); err != nil {
		return nil, errorf(CodeCorrectionInvalid, "fields are not a JSON object: %v", err)
	}
	orig, err := json.Marshal(target.payload)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(orig, &all); err != nil {
		return nil, err
	}
	for k, v := range patch {
		all[k] = v
	}
	merged, _ := json.Marshal(all)
	p := newPayload(target.typ)
	if p == nil {
		return nil, fmt.Errorf("household: no payload type %s", target.typ)
	}
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, errorf(CodeCorrectionInvalid, "the corrected %s does not decode: %v", target.typ, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// correct folds a correction: the target's payload is replaced in a copy of
// the history, which is folded again from the start.
func (s State) correct(e entry, c *Corrected) (State, error) {
	i := s.find(c.EventID)
	if i < 0 || s.history[i].version != c.Version || s.history[i].typ == TypeHouseholdCorrected {
		return s, fmt.Errorf("household: correction at version %d names no correctable event %s at version %d", e.version, c.EventID, c.Version)
	}
	p, err := merge(s.history[i], c.Fields)
	if err != nil {
		return s, fmt.Errorf("household: correction at version %d: %w", e.version, err)
	}
	history := slices.Clone(s.history)
	history[i].payload = p
	history = append(history, e)
	return refold(history)
}

// refold folds a history from the start; corrections in it are listed, their
// effect being already in the payloads they corrected.
func refold(history []entry) (State, error) {
	var s State
	var err error
	for _, e := range history {
		if c, ok := e.payload.(*Corrected); ok {
			s.corrections = append(s.corrections, Correction{Corrected: *c, CorrectionID: e.id, ActorID: e.actorID,
				OccurredAt: e.occurredAt, RecordedAt: e.recordedAt})
			continue
		}
		if s, err = s.apply(e); err != nil {
			return s, err
		}
	}
	s.history = history
	return s, nil
}
