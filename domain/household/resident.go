package household

import (
	"context"
	"errors"
	"fmt"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// One resident ID belongs to at most one living household. Each resident
// ID has its own stream holding the household it belongs to; registering a
// household appends ResidentClaimed to every member's stream at the version
// read, in the same atomic append as the registration (domain.ExecuteMulti),
// so two households racing for one resident ID cannot both win. A claim by
// a household that has since been removed no longer holds the ID.

// Event types of a resident ID's stream.
const TypeResidentClaimed = "resident.claimed.v1"

// ResidentStreamPrefix begins the stream of a resident ID's household.
const ResidentStreamPrefix = "resident-"

// CodeResidentInHousehold refuses a resident ID that a living household holds.
const CodeResidentInHousehold = "resident_in_household"

var residentNamespace = events.MustParseID("9b3e51f2-64d0-4a8c-b7e5-0c2f8d9a1e63")

// ResidentStream is the stream of the resident ID's household, named by a
// UUID derived from the ID (so the ID itself is not in a stream name).
func ResidentStream(id domain.ResidentID) string {
	return ResidentStreamPrefix + events.DeriveID(residentNamespace, id.String()).String()
}

// ResidentClaimed records that a resident ID belongs to a household.
type ResidentClaimed struct {
	File string `json:"fileNumber"`
}

func (*ResidentClaimed) EventType() string { return TypeResidentClaimed }

func (e *ResidentClaimed) Validate() error {
	var ps domain.Problems
	if _, err := domain.ParseFileNumber(e.File); err != nil {
		ps.Add("fileNumber", err)
	}
	return ps.Err()
}

var errHolderMoved = errors.New("household: a resident ID's holder changed while registering")

// register runs RegisterHousehold with the resident-ID rule.
func (s *Service) register(ctx context.Context, req domain.Request, file domain.FileNumber, c RegisterHousehold, w When) (domain.Result, error) {
	type member struct {
		field  string
		id     domain.ResidentID
		stream string
	}
	var members []member
	seen := map[string]bool{}
	for i, m := range append([]MemberInput{c.Head}, c.Members...) {
		id, err := domain.ParseResidentID(m.ResidentID, req.At)
		if err != nil || seen[id.String()] {
			continue // Decide names it
		}
		seen[id.String()] = true
		field := "head.residentId"
		if i > 0 {
			field = fmt.Sprintf("members[%d].residentId", i-1)
		}
		members = append(members, member{field, id, ResidentStream(id)})
	}
	for attempt := 0; ; attempt++ {
		// The holders' households are read first (a removed one frees the
		// ID); removal is final, so a holder read as removed stays so.
		holders := make([]string, len(members))
		living := map[string]bool{}
		for i, m := range members {
			h, err := s.residentHolder(ctx, m.stream)
			if err != nil {
				return domain.Result{}, err
			}
			holders[i] = h
			if h != "" && h != file.String() {
				if living[h], err = s.householdLiving(ctx, h); err != nil {
					return domain.Result{}, err
				}
			}
		}
		var st State
		current := make([]string, len(members))
		views := []domain.View{domain.ViewOf(Stream(file), Aggregate, &st)}
		for i, m := range members {
			views = append(views, domain.View{Stream: m.stream, Reset: func() { current[i] = "" }, Evolve: func(_ events.Event, p events.Payload) error {
				if rc, ok := p.(*ResidentClaimed); ok {
					current[i] = rc.File
				}
				return nil
			}})
		}
		res, err := domain.ExecuteMulti(ctx, s.x, req, views, func() ([]domain.Emit, error) {
			payloads, err := Decide(c, st, w)
			if err != nil {
				return nil, err
			}
			var ps domain.Problems
			emits := []domain.Emit{{Stream: Stream(file), Payloads: payloads}}
			for i, m := range members {
				if current[i] != holders[i] {
					return nil, errHolderMoved
				}
				if h := current[i]; h != "" && h != file.String() && living[h] {
					ps.Addf(m.field, CodeResidentInHousehold, "resident ID %s belongs to household %s", m.id, h)
				}
				emits = append(emits, domain.Emit{Stream: m.stream, Payloads: []events.Payload{&ResidentClaimed{File: file.String()}}})
			}
			if err := ps.Err(); err != nil {
				return nil, err
			}
			return emits, nil
		})
		if errors.Is(err, errHolderMoved) && attempt < assignRetriesMax {
			continue
		}
		return res, err
	}
}

// residentHolder is the file of the household that last claimed the ID.
func (s *Service) residentHolder(ctx context.Context, stream string) (string, error) {
	var h string
	_, err := domain.ExecuteMulti(ctx, s.x, domain.Request{}, []domain.View{{Stream: stream, Reset: func() {},
		Evolve: func(_ events.Event, p events.Payload) error {
			if rc, ok := p.(*ResidentClaimed); ok {
				h = rc.File
			}
			return nil
		}}}, func() ([]domain.Emit, error) { return nil, nil })
	return h, err
}

// householdLiving reports whether the household filed as file exists and is
// not removed.
func (s *Service) householdLiving(ctx context.Context, file string) (bool, error) {
	f, err := domain.ParseFileNumber(file)
	if err != nil {
		return false, err
	}
	var living bool
	err = domain.Read(ctx, s.x, Stream(f), Aggregate, func(st State, _ uint64) error {
		living = st.Status() != StatusNone && st.Status() != StatusRemoved
		return nil
	})
	return living, err
}
