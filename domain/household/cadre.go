package household

import (
	"context"
	"errors"
	"fmt"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// A cadre's households live on the cadre's own stream, so the "4321"
// capacity is a rule of one stream: an assignment appends
// HouseholdTaken to the cadre's stream at the version its count was read at,
// in the same atomic append as the household's CadreAssigned
// (domain.ExecuteMulti). Two assignments racing for the last place both read
// the same version; one commits, the other is decided again and refused
// with cadre_at_capacity. A replaced cadre gets HouseholdReleased on its
// stream in the same append.

// Event types of a cadre's stream.
const (
	TypeCadreHouseholdTaken    = "cadre.household_taken.v1"
	TypeCadreHouseholdReleased = "cadre.household_released.v1"
)

// CadreStreamPrefix begins the stream of a cadre's assignments.
const CadreStreamPrefix = "cadre-"

var cadreNamespace = events.MustParseID("5d0c7a8e-2f4b-4c61-9e3a-7b1d6f0a2c94")

// CadreStream is the stream of the cadre's assignments. The ID is free text,
// so the stream is named by a UUID derived from it.
func CadreStream(cadreID string) string {
	return CadreStreamPrefix + events.DeriveID(cadreNamespace, cadreID).String()
}

// HouseholdTaken records that a cadre took a household to help.
type HouseholdTaken struct {
	Cadre Cadre  `json:"cadre"`
	File  string `json:"fileNumber"`
}

func (*HouseholdTaken) EventType() string { return TypeCadreHouseholdTaken }

func (e *HouseholdTaken) Validate() error {
	var ps domain.Problems
	e.Cadre.check(&ps, "cadre")
	if _, err := domain.ParseFileNumber(e.File); err != nil {
		ps.Add("fileNumber", err)
	}
	return ps.Err()
}

// HouseholdReleased records that a cadre no longer helps a household.
type HouseholdReleased struct {
	CadreID string `json:"cadreId"`
	File    string `json:"fileNumber"`
}

func (*HouseholdReleased) EventType() string { return TypeCadreHouseholdReleased }

func (e *HouseholdReleased) Validate() error {
	var ps domain.Problems
	requireText(&ps, "cadreId", e.CadreID, NameRunesMax)
	if _, err := domain.ParseFileNumber(e.File); err != nil {
		ps.Add("fileNumber", err)
	}
	return ps.Err()
}

// cadrePayloads are the event types of a cadre's stream.
var cadrePayloads = []func() events.Payload{
	func() events.Payload { return new(HouseholdTaken) },
	func() events.Payload { return new(HouseholdReleased) },
	func() events.Payload { return new(ResidentClaimed) },
}

// cadreHouseholds folds a cadre's stream into the files it helps.
type cadreHouseholds map[string]bool

func (h cadreHouseholds) evolve(_ events.Event, p events.Payload) error {
	switch p := p.(type) {
	case *HouseholdTaken:
		h[p.File] = true
	case *HouseholdReleased:
		delete(h, p.File)
	default:
		return fmt.Errorf("household: %s on a cadre's stream", p.EventType())
	}
	return nil
}

// assignRetriesMax bounds how often an assignment starts again because the
// household's cadre changed between the first read and the decision.
const assignRetriesMax = 8

var errCadreMoved = errors.New("household: the household's cadre changed while assigning")

// assignCadre runs AssignCadre over the household's stream, the new cadre's
// and, when it replaces one, the old cadre's: the capacity counts the new
// cadre's stream, read at the version the append is conditioned on; the
// caller's c.HelpedCount (a projection) only raises it, for assignments
// recorded before cadres had streams.
func (s *Service) assignCadre(ctx context.Context, req domain.Request, file domain.FileNumber, c AssignCadre, w When) (domain.Result, error) {
	for attempt := 0; ; attempt++ {
		old, err := s.currentCadre(ctx, file)
		if err != nil {
			return domain.Result{}, err
		}
		res, err := s.assignCadreOnce(ctx, req, file, c, old, w)
		if errors.Is(err, errCadreMoved) && attempt < assignRetriesMax {
			continue
		}
		return res, err
	}
}

func (s *Service) assignCadreOnce(ctx context.Context, req domain.Request, file domain.FileNumber, c AssignCadre, old string, w When) (domain.Result, error) {
	var st State
	helped := cadreHouseholds{}
	released := cadreHouseholds{}
	hs, ns := Stream(file), CadreStream(c.Cadre.ID)
	views := []domain.View{
		domain.ViewOf(hs, Aggregate, &st),
		{Stream: ns, Reset: func() { clear(helped) }, Evolve: helped.evolve},
	}
	oldStream := ""
	if old != "" && old != c.Cadre.ID {
		oldStream = CadreStream(old)
		views = append(views, domain.View{Stream: oldStream, Reset: func() { clear(released) }, Evolve: released.evolve})
	}
	return domain.ExecuteMulti(ctx, s.x, req, views, func() ([]domain.Emit, error) {
		cur, _ := st.Cadre()
		if cur.ID != old {
			return nil, errCadreMoved
		}
		n := len(helped)
		if helped[file.String()] {
			n--
		}
		// The stream's count is exact for every assignment made since
		// cadres had streams; the caller's count (a projection) still
		// sees older ones, so the larger of the two is the load.
		c.HelpedCount = max(c.HelpedCount, n)
		payloads, err := Decide(c, st, w)
		if err != nil {
			return nil, err
		}
		emits := []domain.Emit{
			{Stream: hs, Payloads: payloads},
			{Stream: ns, Payloads: []events.Payload{&HouseholdTaken{Cadre: c.Cadre, File: file.String()}}},
		}
		if oldStream != "" {
			emits = append(emits, domain.Emit{Stream: oldStream, Payloads: []events.Payload{&HouseholdReleased{CadreID: old, File: file.String()}}})
		}
		return emits, nil
	})
}

// currentCadre reads the household's cadre ID ("" if none). The decision
// checks it again against the state it decides on.
func (s *Service) currentCadre(ctx context.Context, file domain.FileNumber) (string, error) {
	var id string
	err := domain.Read(ctx, s.x, Stream(file), Aggregate, func(st State, _ uint64) error {
		c, _ := st.Cadre()
		id = c.ID
		return nil
	})
	return id, err
}
