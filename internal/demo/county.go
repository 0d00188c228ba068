package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
)

// A county of real size: County writes n households' files, 2014 to the
// real now, through the household domain's own decider (household.Decide
// and Evolve; registration, a rule across streams, through
// household.Service), not through HTTP. Each household's state is kept at
// its version between the simulated instants it is acted on, so no command
// re-reads its stream, and the decided events of many households go to the
// store in one atomic multi-stream append, so a group commit carries
// hundreds of events. The simulated clock (the store's) moves through the
// county's calendar instant by instant, every household acted on at an
// instant before it moves on, so recorded times are in order in the log.
//
// The county's households live the file's main story (identification in
// 2014, help and visits every two months, a reassessment each year end,
// exit by 2020, monitoring and returns in the consolidation years). The
// money, complaints and special stories are the 300-household demo's
// (Load); a county this size is for measuring, not for reading.

// Limits of County.
const (
	CountyHouseholdsMax = 200_000
	// countyAppendEventsMax bounds the events of one multi-stream append.
	countyAppendEventsMax = 512
	// countyChunk is how many households one worker takes at a time: one
	// multi-stream append's worth (events.MultiStreamsMax).
	countyChunk = events.MultiStreamsMax
	// countyWorkersPerCPU: most of a worker's time is its append's wait for
	// the group commit, so many are in flight per CPU.
	countyWorkersPerCPU = 32
)

// CountyLog is what County needs of the store: the atomic multi-stream
// append (events.Store has it), and what household.Service needs.
type CountyLog interface {
	domain.Log
	AppendMulti(ctx context.Context, parts ...events.StreamAppend) ([]events.AppendResult, error)
	Head(ctx context.Context) (uint64, error)
}

// CountyOptions are what County is told.
type CountyOptions struct {
	Households int
	Seed       uint64
	Log        CountyLog
	Registry   *events.Registry
	// Clock is the store's clock; County moves it.
	Clock *Clock
	// Now is the real now the history runs up to; zero means time.Now().
	Now time.Time
	// Workers decide in parallel; 0 means countyWorkersPerCPU per CPU.
	Workers  int
	Progress io.Writer
}

// CountyResult is what County wrote.
type CountyResult struct {
	Households int
	Events     uint64
	Took       time.Duration
}

// EventsPerS is the rate County wrote at.
func (r CountyResult) EventsPerS() float64 { return float64(r.Events) / r.Took.Seconds() }

// countyHousehold is one household of the county: its plan (a few numbers
// drawn from the seed) and its state at its version.
type countyHousehold struct {
	i        int
	file     domain.FileNumber
	stream   string
	v        *demoVillage
	reg      household.RegisterHousehold
	cadre    household.Cadre
	exitYear int // 0: stays in the file
	riskFrom int // monitored from this year's reassessment
	fallYear int // returns to poverty after this year's reassessment
	state    household.State
	version  uint64
}

// countyWork is the command a household gets at an instant, nil if none.
type countyWork func(h *countyHousehold) []household.Command

// County writes the county. The store must be empty.
func County(ctx context.Context, o CountyOptions) (CountyResult, error) {
	if o.Households < 1 || o.Households > CountyHouseholdsMax || o.Log == nil || o.Registry == nil || o.Clock == nil {
		return CountyResult{}, fmt.Errorf("demo: a county of 1..%d households, with a log, registry and clock", CountyHouseholdsMax)
	}
	began := time.Now()
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Workers <= 0 {
		o.Workers = countyWorkersPerCPU * runtime.NumCPU()
	}
	x, err := domain.NewExecutor(o.Log, o.Registry, func() (events.ID, error) { return events.NewID(rand.Reader) })
	if err != nil {
		return CountyResult{}, err
	}
	svc, err := household.NewService(x)
	if err != nil {
		return CountyResult{}, err
	}
	w := planDemo(HouseholdsMin, o.Seed, now) // the places, officials and the calendar
	c := &county{o: o, w: w, svc: svc, lines: domain.DefaultPovertyLines(), card: household.Card{Card: scorecard.Default()}}
	c.answers = w.answerPools()
	c.households(o.Households)
	for _, in := range c.calendar() {
		if err := ctx.Err(); err != nil {
			return CountyResult{}, err
		}
		o.Clock.set(in.at)
		if err := c.act(ctx, in); err != nil {
			return CountyResult{}, fmt.Errorf("county at %s (%s): %w", in.at.Format(time.DateOnly), in.name, err)
		}
		if o.Progress != nil && in.progress {
			fmt.Fprintf(o.Progress, "county: %s, %d events, %.0f events/s\n", in.at.Format("2006-01"), c.events.Load(),
				float64(c.events.Load())/time.Since(began).Seconds())
		}
	}
	head, err := o.Log.Head(ctx) // with the resident IDs' claims
	return CountyResult{Households: o.Households, Events: head, Took: time.Since(began)}, err
}

type county struct {
	o       CountyOptions
	w       *demoWorld
	svc     *household.Service
	lines   domain.PovertyLines
	card    household.Card
	answers map[demoBand][]map[string]string
	hs      []*countyHousehold
	loads   map[string]int // cadre → households
	events  atomic.Uint64
}

// answerPools are survey answers of each band, drawn once for households
// of every shape; a county's household takes one by its number.
func (w *demoWorld) answerPools() map[demoBand][]map[string]string {
	pools := map[demoBand][]map[string]string{}
	for _, b := range []demoBand{bandPoor, bandStay, bandRisk, bandExit} {
		for _, h := range w.households {
			if h.exitYear == 0 && b == bandExit && h.track != household.StatusExited {
				continue
			}
			body := w.assessment(h, household.KindReassessment, 2014, b)
			pools[b] = append(pools[b], body["answers"].(map[string]string))
		}
	}
	return pools
}

// households plans n households over the demo's villages, in order, with
// resident IDs drawn from the seed.
func (c *county) households(n int) {
	w := c.w
	rng := mrand.New(mrand.NewPCG(c.o.Seed, 0x5eed))
	seq := map[*demoVillage]int{}
	c.loads = map[string]int{}
	var cadre household.Cadre
	for i := range n {
		v := w.villages[i%len(w.villages)]
		seq[v]++
		file := fmt.Sprintf("%s-%04d", v.code, seq[v])
		f, _ := domain.ParseFileNumber(file)
		h := &countyHousehold{i: i, file: f, stream: household.Stream(f), v: v}
		dh := &demoHousehold{v: v}
		w.workingFamily(dh)
		h.reg = household.RegisterHousehold{FileNumber: file, Village: v.code, Head: dh.head.input()}
		for _, m := range dh.members {
			h.reg.Members = append(h.reg.Members, m.input())
		}
		h.reg.Account = &household.Account{Number: fmt.Sprintf("621779%013d", i), Bank: demoBanks[0].name, HolderName: dh.head.name}
		switch r := rng.IntN(10); {
		case r < 4: // stays in the file
		case r < 8:
			h.exitYear = 2015 + rng.IntN(6)
		case r < 9:
			h.exitYear, h.riskFrom = 2015+rng.IntN(6), 2021+rng.IntN(max(1, w.lastYE-2020))
		default:
			h.exitYear, h.fallYear = 2015+rng.IntN(5), 2021+rng.IntN(max(1, w.lastYE-2020))
		}
		if cadre.ID == "" || c.loads[cadre.ID] >= household.CadreCapacity(cadre.Rank) {
			cadre = household.Cadre{ID: fmt.Sprintf("WN-GB-%06d", len(c.loads)+1), Name: w.name(domain.SexMale).han, Rank: household.RankSection}
		}
		h.cadre = cadre
		c.loads[cadre.ID]++
		c.hs = append(c.hs, h)
	}
	w.households = nil // the planning county's; not needed now
}

func (p demoPerson) input() household.MemberInput {
	return household.MemberInput{Name: p.name, ResidentID: p.id, BirthDate: p.birth.Format(time.DateOnly), Relation: p.relation,
		Sex: string(p.sex), Education: p.education, Health: p.health, LabourAbility: p.labour, Schooling: p.schooling}
}

// instant is one instant of the county's calendar and what each household
// does at it.
type instant struct {
	at       time.Time
	name     string
	work     countyWork
	register bool // registration, through household.Service
	progress bool
}

// calendar is the county's instants in order.
func (c *county) calendar() []instant {
	w := c.w
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, w.today.Location()) }
	out := []instant{
		{at: at(2014, 4, 10), name: "registration", register: true},
		{at: at(2014, 4, 11), name: "survey", work: c.survey},
		{at: at(2014, 5, 12), name: "appraisal and publicity", work: c.propose},
		{at: at(2014, 5, 22), name: "review and enrollment", work: c.enroll},
	}
	for y := 2014; y <= w.cur; y++ {
		for m := time.February; m <= time.December; m += 2 {
			t := at(y, m, 15)
			if t.After(at(2014, 6, 1)) && t.Before(w.today) {
				out = append(out, instant{at: t, name: "visits", work: c.visit, progress: m == time.December || (y == w.cur && m+2 > w.today.Month())})
			}
		}
		if y > w.lastYE {
			continue
		}
		y := y
		out = append(out,
			instant{at: at(y, 11, 25), name: "reassessment", work: func(h *countyHousehold) []household.Command { return c.reassess(h, y) }},
			instant{at: at(y, 12, 1), name: "exit appraisal", work: func(h *countyHousehold) []household.Command { return c.exitStart(h, y) }},
			instant{at: at(y, 12, 10), name: "exit approval", work: func(h *countyHousehold) []household.Command { return c.exitEnd(h, y) }},
			instant{at: at(y, 12, 18), name: "returns", work: func(h *countyHousehold) []household.Command { return c.fall(h, y) }})
	}
	slices.SortStableFunc(out, func(a, b instant) int { return a.at.Compare(b.at) })
	return out
}

func (c *county) survey(h *countyHousehold) []household.Command {
	return []household.Command{c.assess(h, household.KindInitial, 2013, bandPoor)}
}

func (c *county) assess(h *countyHousehold, kind string, year int, b demoBand) household.Command {
	pool := c.answers[b]
	line, _ := c.lines.Line(year)
	factor := map[demoBand]float64{bandPoor: 0.7, bandStay: 0.9, bandRisk: 1.2, bandExit: 2}[b]
	return household.Assess{Kind: kind, Year: year, Answers: pool[h.i%len(pool)], Card: c.card, Lines: c.lines,
		NetIncomePerCapitaFen: domain.Fen(float64(line)*factor/100) * 100}
}

// appraisal is the village meeting held at the instant being acted on (an
// exit's is held after its proposal, in the same instant).
func (c *county) appraisal(h *countyHousehold) household.Appraisal {
	at := c.o.Clock.Now()
	return household.Appraisal{HeldAt: at, Participants: 60, VotesFor: 55, VotesAgainst: 2,
		MinutesRef: fmt.Sprintf("民主评议记录/%s/%s", h.v.code, at.Format(time.DateOnly))}
}

func (c *county) publicity(h *countyHousehold) household.StartPublicity {
	now := c.o.Clock.Now()
	return household.StartPublicity{StartsAt: now, EndsAt: now.AddDate(0, 0, household.PublicityDaysMin), Place: h.v.name + "村务公开栏"}
}

func (c *county) propose(h *countyHousehold) []household.Command {
	return []household.Command{household.Propose{Appraisal: c.appraisal(h), Causes: household.CauseList{Main: household.CauseSkills, Others: []string{household.CauseCapital}}},
		c.publicity(h)}
}

func (c *county) enroll(h *countyHousehold) []household.Command {
	return []household.Command{household.Review{Passed: true, Opinion: "程序规范 / procedure followed"},
		household.Enroll{DecisionRef: "威扶办发〔2014〕23号", Lines: c.lines},
		household.AssignCadre{Cadre: h.cadre, HelpedCount: 0},
		household.PlanMeasure{MeasureID: "M2014-01", Kind: household.MeasureProduction, Description: demoMeasures[household.CauseSkills][0].description},
		household.PlanMeasure{MeasureID: "M2014-02", Kind: household.MeasureProduction, Description: demoMeasures[household.CauseCapital][1].description}}
}

func (c *county) visit(h *countyHousehold) []household.Command {
	now := c.o.Clock.Now()
	line, _ := c.lines.Line(now.Year() - 1)
	return []household.Command{household.RecordVisit{CadreID: h.cadre.ID, Seen: demoVisitSeen[h.i%len(demoVisitSeen)], HandbookFilled: true,
		NetIncomePerCapitaFen: line, Concerns: []string{demoConcerns[h.i%len(demoConcerns)]}, Help: []household.Help{demoHelp[h.i%len(demoHelp)]},
		Signatures: household.Signatures{CadreRef: fmt.Sprintf("帮扶手册/%s/%s/干部签字", h.cadre.ID, now.Format(time.DateOnly)),
			HouseholdRef: fmt.Sprintf("帮扶手册/%s/%s/户主签字", h.file, now.Format(time.DateOnly))}}}
}

// band is the household's reassessment of y: as demoHousehold.bandFor.
func (h *countyHousehold) band(y int) demoBand {
	switch {
	case y == h.exitYear:
		return bandExit
	case h.exitYear > 0 && y > h.exitYear && (h.fallYear == 0 || y < h.fallYear):
		if h.riskFrom > 0 && y >= h.riskFrom {
			return bandRisk
		}
		return bandExit
	case y == h.fallYear:
		return bandPoor
	}
	return bandStay
}

func (c *county) reassess(h *countyHousehold, y int) []household.Command {
	return []household.Command{c.assess(h, household.KindReassessment, y, h.band(y))}
}

func (c *county) exitStart(h *countyHousehold, y int) []household.Command {
	if y != h.exitYear {
		return nil
	}
	return []household.Command{household.ProposeExit{Reason: fmt.Sprintf("%d年末复核得分超过80分 / above 80 at the %d reassessment", y, y)},
		household.AppraiseExit{Appraisal: c.appraisal(h)}, c.publicity(h)}
}

func (c *county) exitEnd(h *countyHousehold, y int) []household.Command {
	if y != h.exitYear {
		return nil
	}
	var checks []household.IndicatorCheck
	for _, ind := range household.ExitIndicators() {
		checks = append(checks, household.IndicatorCheck{Indicator: ind, Met: true, EvidenceRef: fmt.Sprintf("退出核验/%d/%s/%s", y, h.file, ind)})
	}
	return []household.Command{household.VerifyExit{Indicators: checks},
		household.SignExitAgreement{SignedBy: h.reg.Head.ResidentID, SignatureRef: fmt.Sprintf("脱贫确认书/%d/%s", y, h.file)},
		household.ApproveExit{DecisionRef: fmt.Sprintf("威扶退〔%d〕%d号", y, 10+h.i%90)}}
}

func (c *county) fall(h *countyHousehold, y int) []household.Command {
	if y != h.fallYear {
		return nil
	}
	return []household.Command{household.ReturnToPoverty{Causes: household.CauseList{Main: household.CauseIllness},
		DecisionRef: fmt.Sprintf("威扶返贫〔%d〕%d号", y, 10+h.i%90), Lines: c.lines}}
}

// act runs one instant: workers take the households in chunks, decide
// each one's commands against its state, and append a chunk's events in
// multi-stream appends.
func (c *county) act(ctx context.Context, in instant) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c.o.Workers)
	for range c.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(countyChunk)) - countyChunk
				if from >= len(c.hs) || ctx.Err() != nil {
					return
				}
				if err := c.chunk(ctx, in, c.hs[from:min(from+countyChunk, len(c.hs))]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return errors.Join(<-errs, ctx.Err())
}

func (c *county) chunk(ctx context.Context, in instant, hs []*countyHousehold) error {
	if in.register {
		for _, h := range hs {
			if err := c.register(ctx, h); err != nil {
				return err
			}
		}
		return nil
	}
	var parts []events.StreamAppend
	var owners []*countyHousehold
	var states []household.State
	n := 0
	flush := func() error {
		if len(parts) == 0 {
			return nil
		}
		if _, err := c.o.Log.AppendMulti(ctx, parts...); err != nil {
			return err
		}
		for i, h := range owners {
			h.state, h.version = states[i], h.version+uint64(len(parts[i].Events))
		}
		c.events.Add(uint64(n))
		parts, owners, states, n = nil, nil, nil, 0
		return nil
	}
	for _, h := range hs {
		cmds := in.work(h)
		if len(cmds) == 0 {
			continue
		}
		st, evs, err := c.decide(h, cmds)
		if err != nil {
			return fmt.Errorf("%s: %w", h.file, err)
		}
		parts = append(parts, events.StreamAppend{Stream: h.stream, Expected: events.Exact(h.version), Events: evs})
		owners, states, n = append(owners, h), append(states, st), n+len(evs)
		if n >= countyAppendEventsMax || len(parts) == events.MultiStreamsMax {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// decide runs cmds one after the other against h's state, each seeing the
// events of those before, and returns the state after them with the events
// to append.
func (c *county) decide(h *countyHousehold, cmds []household.Command) (household.State, []events.Event, error) {
	st, now := h.state, c.o.Clock.Now()
	when := household.When{At: now}
	req := c.actor(h, cmds[0])
	var out []events.Event
	for _, cmd := range cmds {
		ps, err := household.Decide(cmd, st, when)
		if err != nil {
			return st, nil, fmt.Errorf("%s: %w", cmd.Name(), err)
		}
		for _, p := range ps {
			id, err := events.NewID(rand.Reader)
			if err != nil {
				return st, nil, err
			}
			meta := events.Metadata{ActorID: req.ID, Role: req.Role, Jurisdiction: req.Jurisdiction, OccurredAt: now}
			ev, err := c.o.Registry.Encode(id, meta, p)
			if err != nil {
				return st, nil, err
			}
			ev.Stream, ev.Version, ev.RecordedAt = h.stream, h.version+uint64(len(out))+1, events.RecordedTime(now)
			if st, err = household.Evolve(st, ev, p); err != nil {
				return st, nil, err
			}
			out = append(out, ev)
		}
	}
	return st, out, nil
}

// actor is the official a command of h is recorded as: the county office
// decides, the township reviews and assigns, the village does the rest.
func (c *county) actor(h *countyHousehold, cmd household.Command) domain.Actor {
	a := h.v.committee
	switch cmd.(type) {
	case household.Assess:
		a = h.v.enumerator
	case household.Review, household.AssignCadre, household.PlanMeasure, household.VerifyExit:
		a = h.v.town.official
	case household.Enroll, household.ApproveExit, household.ReturnToPoverty:
		a = c.w.pao
	}
	return domain.Actor{ID: a.user, Role: string(a.role), Jurisdiction: a.jur}
}

// register registers h through household.Service (its resident IDs are
// claimed across streams), and folds what it recorded.
func (c *county) register(ctx context.Context, h *countyHousehold) error {
	a := h.v.enumerator
	res, err := c.svc.Register(ctx, domain.Request{Actor: domain.Actor{ID: a.user, Role: string(a.role), Jurisdiction: a.jur}, At: c.o.Clock.Now()}, h.reg)
	if err != nil {
		return fmt.Errorf("register %s: %w", h.file, err)
	}
	for _, ev := range res.Events {
		if ev.Stream != h.stream {
			continue
		}
		p, err := c.o.Registry.Decode(ev)
		if err != nil {
			return err
		}
		if h.state, err = household.Evolve(h.state, ev, p); err != nil {
			return err
		}
		h.version = ev.Version
	}
	return nil
}
