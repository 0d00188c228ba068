package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/labstack/echo/v4"
)

// householdFile is a household's whole file: everything the rules know of
// it, with full resident IDs (this is the recorded, personal view).
type householdFile struct {
	FileNumber  string                     `json:"fileNumber"`
	Village     string                     `json:"village"`
	Status      household.Status           `json:"status"`
	Version     uint64                     `json:"version"`
	Head        household.Member           `json:"head"`
	Members     []household.Member         `json:"members"`
	Account     *household.Account         `json:"account,omitempty"`
	Assessments []household.Assessment     `json:"assessments"`
	Causes      household.CauseList        `json:"causes"`
	Objections  []household.Objection      `json:"objections"`
	Enrollment  *household.Enrolled        `json:"enrollment,omitempty"`
	Rejection   *household.Rejected        `json:"rejection,omitempty"`
	Cadre       *household.Cadre           `json:"cadre,omitempty"`
	Measures    []household.MeasurePlanned `json:"measures"`
	Visits      []household.Visited        `json:"visits"`
	Removal     *household.Removed         `json:"removal,omitempty"`
	// Changes is every status change with who made it and both times.
	Changes     []household.Change     `json:"changes"`
	Corrections []household.Correction `json:"corrections"`
	// Complaints are those naming the household (as they stood at AsOf).
	Complaints []complaintAt `json:"complaints"`
	// AsOf is the instant the file was rebuilt at; absent for "now".
	AsOf *time.Time `json:"asOf,omitempty"`
}

type complaintAt struct {
	ID       string             `json:"id"`
	Status   complaint.Status   `json:"status"`
	Category complaint.Category `json:"category"`
	Received time.Time          `json:"receivedAt"`
	Overdue  complaint.Missed   `json:"overdue"`
}

func fileOf(s household.State) householdFile {
	out := householdFile{FileNumber: s.File().String(), Village: s.Village().String(), Status: s.Status(),
		Version: s.Version(), Head: s.Head(), Members: s.Members(), Assessments: s.Assessments(), Causes: s.Causes(),
		Objections: s.Objections(), Measures: s.Measures(), Visits: s.Visits(), Changes: s.Changes(),
		Corrections: s.Corrections(), Complaints: []complaintAt{}}
	if a, ok := s.Account(); ok {
		out.Account = &a
	}
	if e, ok := s.Enrollment(); ok {
		out.Enrollment = &e
	}
	if r, ok := s.Rejection(); ok {
		out.Rejection = &r
	}
	if c, ok := s.Cadre(); ok {
		out.Cadre = &c
	}
	if r, ok := s.Removal(); ok {
		out.Removal = &r
	}
	return out
}

// timeline is every event concerning a household, in global order.
type timeline struct {
	FileNumber string          `json:"fileNumber"`
	Events     []timelineEvent `json:"events"`
}

type timelineEvent struct {
	Position     uint64          `json:"position"`
	Stream       string          `json:"stream"`
	Version      uint64          `json:"version"`
	EventID      string          `json:"eventId"`
	Type         string          `json:"type"`
	ActorID      string          `json:"actorId"`
	Role         string          `json:"role"`
	Jurisdiction string          `json:"jurisdiction"`
	OccurredAt   time.Time       `json:"occurredAt"`
	RecordedAt   time.Time       `json:"recordedAt"`
	Data         json.RawMessage `json:"data"`
}

func (s *Server) householdFile(c echo.Context) error {
	return s.householdRead(c, access.ViewDetail, func(ctx context.Context, f domain.FileNumber) (any, error) {
		evs, err := s.householdEvents(ctx, f, time.Time{})
		if err != nil {
			return nil, err
		}
		st, err := household.StateAt(s.deps.Registry, evs, endOfTime)
		if err != nil {
			return nil, err
		}
		out := fileOf(st)
		out.Complaints, err = s.complaintsAt(ctx, f, s.deps.Now(), endOfTime)
		return out, err
	})
}

func (s *Server) householdAsOf(c echo.Context) error {
	at, err := parseInstant(c.QueryParam("at"))
	if err != nil {
		return err
	}
	return s.householdRead(c, access.ViewAsOf, func(ctx context.Context, f domain.FileNumber) (any, error) {
		evs, err := s.householdEvents(ctx, f, time.Time{})
		if err != nil {
			return nil, err
		}
		st, err := household.StateAt(s.deps.Registry, evs, at)
		if err != nil {
			return nil, err
		}
		if st.Status() == household.StatusNone {
			return nil, domain.Errorf("household_unknown", "household %s had no file yet at %s", f, at.Format(time.RFC3339))
		}
		out := fileOf(st)
		out.AsOf = &at
		out.Complaints, err = s.complaintsAt(ctx, f, at, at)
		return out, err
	})
}

func (s *Server) householdTimeline(c echo.Context) error {
	return s.householdRead(c, access.ViewTimeline, func(ctx context.Context, f domain.FileNumber) (any, error) {
		evs, err := s.concerning(ctx, f)
		if err != nil {
			return nil, err
		}
		out := timeline{FileNumber: f.String(), Events: make([]timelineEvent, len(evs))}
		withheld := withheldFor(claimsOf(c), evs)
		for i, ev := range evs {
			if shown, ok := withheld[ev.Position]; ok {
				ev.Data = shown
			}
			out.Events[i] = timelineEvent{Position: ev.Position, Stream: ev.Stream, Version: ev.Version, EventID: ev.ID.String(),
				Type: ev.Type, ActorID: ev.Meta.ActorID, Role: ev.Meta.Role, Jurisdiction: ev.Meta.Jurisdiction,
				OccurredAt: ev.Meta.OccurredAt, RecordedAt: ev.RecordedAt, Data: json.RawMessage(ev.Data)}
		}
		return out, nil
	})
}

// householdRead is the shape of every personal read of one household:
// jurisdiction, wait for ?position=, record the read, then answer.
func (s *Server) householdRead(c echo.Context, view string, answer func(context.Context, domain.FileNumber) (any, error)) error {
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	f, err := s.household(c, j)
	if err != nil {
		return err
	}
	if err := s.recordRead(c, f.String(), view, c.QueryParams().Encode()); err != nil {
		return err
	}
	out, err := answer(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// householdEvents reads a household's stream from the log.
func (s *Server) householdEvents(ctx context.Context, f domain.FileNumber, _ time.Time) ([]events.Event, error) {
	evs, err := s.readStream(ctx, household.Stream(f))
	if errors.Is(err, events.ErrStreamNotFound) {
		return nil, domain.Errorf("household_unknown", "no household is filed as %s", f)
	}
	return evs, err
}

// concerning gathers every event concerning a household, in global order:
// its own stream and the complaints that name it. A household never filed
// may still be named by complaints (one "wrongly excluded" says exactly
// that), so only when there is nothing at all is it unknown.
func (s *Server) concerning(ctx context.Context, f domain.FileNumber) ([]events.Event, error) {
	evs, err := s.readStream(ctx, household.Stream(f))
	if err != nil && !errors.Is(err, events.ErrStreamNotFound) {
		return nil, err
	}
	streams, err := s.deps.HouseholdView.ComplaintStreams(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, stream := range streams {
		more, err := s.readStream(ctx, stream)
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
	}
	if len(evs) == 0 {
		return nil, domain.Errorf("household_unknown", "nothing is recorded about household %s", f)
	}
	slices.SortFunc(evs, func(a, b events.Event) int { return compareUint(a.Position, b.Position) })
	return evs, nil
}

// readStream reads a whole stream, up to timelineEventsMax events.
func (s *Server) readStream(ctx context.Context, stream string) ([]events.Event, error) {
	var out []events.Event
	for from := uint64(1); ; {
		page, err := s.deps.Store.ReadStream(ctx, stream, from, events.Forwards, min(events.ReadEventsMax, timelineEventsMax))
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(out) > timelineEventsMax {
			return nil, domain.Errorf("limit_exceeded", "stream %s has more than %d events; ask an operator for an export", stream, timelineEventsMax)
		}
		if len(page) == 0 || len(page) < min(events.ReadEventsMax, timelineEventsMax) {
			return out, nil
		}
		from = page[len(page)-1].Version + 1
	}
}

// complaintsAt folds each complaint naming f from its own stream, keeping
// the events recorded by asOf, and judges its deadlines at now.
func (s *Server) complaintsAt(ctx context.Context, f domain.FileNumber, now, asOf time.Time) ([]complaintAt, error) {
	out := []complaintAt{}
	streams, err := s.deps.HouseholdView.ComplaintStreams(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, stream := range streams {
		evs, err := s.readStream(ctx, stream)
		if err != nil {
			return nil, err
		}
		var st complaint.State
		for _, ev := range evs {
			if ev.RecordedAt.After(asOf) {
				break
			}
			p, err := s.deps.Registry.Decode(ev)
			if err != nil {
				return nil, err
			}
			if st, err = complaint.Evolve(st, ev, p); err != nil {
				return nil, err
			}
		}
		if st.Exists() {
			out = append(out, complaintAt{ID: st.ID().String(), Status: st.Status(), Category: st.Category(),
				Received: st.ReceivedAt(), Overdue: complaint.Overdue(st, now)})
		}
	}
	return out, nil
}

// endOfTime is "now" for StateAt: every recorded event is included.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// chinaTime is the zone a bare date means: the desk's calendar.
var chinaTime = time.FixedZone("CST", 8*3600)

// parseInstant reads ?at=: an RFC 3339 instant, or a date meaning the end of
// that day in China (what the file said "on" that date).
func parseInstant(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, chinaTime); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Microsecond), nil
	}
	return time.Time{}, invalid(fieldProblem("at", "must be an RFC 3339 instant (2017-06-01T12:00:00+08:00) or a date (2017-06-01)"))
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
