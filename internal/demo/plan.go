package demo

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
)

// The plan: the county's officials, villages and households, and every
// request that will be sent, each at the simulated instant it is sent. It
// is built from the seed alone, before anything is sent, so the same seed
// gives the same requests in the same order at the same instants.

// demoStep is one request of the plan. Its path and body are built when
// it is sent, since they may name what an earlier step recorded (an event's
// ID, a payment's reference).
type demoStep struct {
	at    time.Time
	actor demoActor
	path  func() string
	body  func() any
	then  func(api.CommandResponse) // nil: the answer is not needed
}

type demoWorld struct {
	rng        *rand.Rand
	card       *scorecard.Card
	lines      domain.PovertyLines
	towns      []*demoTown
	villages   []*demoVillage
	households []*demoHousehold
	complaints []*demoComplaint
	steps      []demoStep
	residents  map[string]bool // resident IDs given out
	users      map[string]bool // officials' user IDs given out
	decisions  map[string]int  // last number of each series of decision documents
	pao        demoActor       // the county poverty alleviation office
	paoHead    string          // its director, who approves removals and corrections
	desk       demoActor       // the 12317 desk
	pool       *demoCadre      // the county cadre being given households
	cadres     int
	story      struct{ returned *demoHousehold }
	funds      *demoFunds // the fund ledger's part of the plan
	// end is the real now the load began at: the history runs up to it,
	// and every step is before it. today is its day at 00:00 in China;
	// cur is its year, the year of the identification round still under
	// way; lastYE is the last year whose year-end reassessment is done.
	end, today  time.Time
	cur, lastYE int
	err         error // the first impossible step; a bug in the plan
}

type demoTown struct {
	demoPlace
	official demoActor
	villages []*demoVillage
}

type demoVillage struct {
	demoPlace
	town       *demoTown
	enumerator demoActor
	committee  demoActor
	secretary  *demoCadre // the first secretary, who helps households too
	households []*demoHousehold
	rounds     map[int]*demoRound
	yearEnd    map[int]time.Time // the day of each year's reassessment
}

// demoRound is one identification round of a village: the village meeting,
// the publicity, the township's review and the county's decision.
type demoRound struct {
	surveyFrom, surveyTo time.Time
	appraisal            time.Time
	publicity            time.Time
	publicityDays        int
	review               time.Time
	decision             time.Time
	decisionRef          string
}

type demoCadre struct {
	id, name, rank string
	left           int // households it may still be given
}

type demoPerson struct {
	name      string
	id        string
	birth     time.Time
	sex       domain.Sex
	relation  string
	education string
	health    string
	labour    string
	schooling string
}

func (p demoPerson) body() map[string]any {
	return map[string]any{"name": p.name, "residentId": p.id, "birthDate": p.birth.Format(time.DateOnly),
		"relation": p.relation, "sex": string(p.sex), "education": p.education, "health": p.health,
		"labourAbility": p.labour, "schooling": p.schooling}
}

func planDemo(n int, seed uint64, end time.Time) *demoWorld {
	w := &demoWorld{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), card: scorecard.Default(),
		lines: domain.DefaultPovertyLines(), residents: map[string]bool{}, users: map[string]bool{}, decisions: map[string]int{}}
	w.end = end.In(complaint.ChinaTime)
	y, m, d := w.end.Date()
	w.today = time.Date(y, m, d, 0, 0, 0, 0, complaint.ChinaTime)
	w.cur, w.lastYE = y, y-1
	w.places()
	w.peopleAndTracks(n)
	for _, h := range w.households {
		w.script(h)
	}
	w.numberFiles()
	w.planComplaints(max(10, min(40, n/15)))
	w.planFunds(n) // last, so the households' and complaints' draws are as they were
	return w
}

// Today names parts of the county open today, for examples and tests.
type Today struct {
	// InPublicity is a household whose enrollment publicity is open today:
	// anyone may object to it.
	InPublicity string
	// Enrollable is a household posted, unopposed and reviewed by the
	// township: the county may enroll it today.
	Enrollable string
	// PayProject is a project implementing today with money left, and
	// PayHousehold one of its beneficiaries still in the file.
	PayProject, PayHousehold string
}

func (w *demoWorld) todays() Today {
	var t Today
	for _, h := range w.households {
		switch {
		case h.track == household.StatusPublicized && h.variant == "reviewed" && t.Enrollable == "":
			t.Enrollable = h.file
		case h.track == household.StatusPublicized && h.variant == "" && t.InPublicity == "":
			t.InPublicity = h.file
		}
	}
	if p := w.funds.open; p != nil {
		t.PayProject = p.id
		for _, h := range p.benef {
			if h.inFile(w.end) && h.exitedAt.IsZero() {
				t.PayHousehold = h.file
				break
			}
		}
	}
	return t
}

// post schedules a request by a at at; body is called when it is sent, then
// then (if any) with the answer. An instant outside the simulated span is a
// bug in the plan, reported before anything is sent.
func (w *demoWorld) post(at time.Time, a demoActor, path func() string, body func() any, then func(api.CommandResponse)) {
	if (at.Before(Start) || !at.Before(w.end)) && w.err == nil {
		w.err = fmt.Errorf("demo plan: a step at %s is outside %s..%s", at, Start, w.end)
	}
	w.steps = append(w.steps, demoStep{at: at, actor: a, path: path, body: body, then: then})
}

// Sending the plan concurrently: requests to different aggregates go out
// together, so the store's group commit writes them with one fdatasync,
// while each aggregate's requests go one after the other. The clock is the
// newest request's instant, so a request in flight may be decided and
// recorded up to runLead after its planned instant, never before it: the
// plan keeps every "before" rule (an objection before the publicity ends,
// an acknowledgement in time) days clear of its edge, and a request waits
// for every request more than runLead older than itself, so what it reads of
// another aggregate (the household a payment is for, the event a
// resolution names) is there.
const (
	runInFlightMax = 32
	runLead        = 10 * time.Minute
)

// run sends the plan in time order (steps at the same instant in the order
// they were planned), moving the clock forward to each step's instant as it
// is sent.
func (w *demoWorld) run(ctx context.Context, c *demoClient, clock *Clock, progress io.Writer) error {
	if w.err != nil {
		return w.err
	}
	slices.SortStableFunc(w.steps, func(a, b demoStep) int { return a.at.Compare(b.at) })
	f := newFlight()
	defer context.AfterFunc(ctx, f.wake)()
	year := 0
	for i := range w.steps {
		s := &w.steps[i]
		f.mu.Lock() // a path may read what a step in flight's then writes
		key := stepKey(s)
		f.mu.Unlock()
		if err := f.wait(ctx, key, s.at.Add(-runLead)); err != nil {
			f.drain()
			return err
		}
		path, body := s.path(), s.body() // after the steps it may name
		clock.set(s.at)
		if progress != nil && s.at.Year() != year {
			year = s.at.Year()
			fmt.Fprintf(progress, "demo: %d (%d of %d requests sent)\n", year, i, len(w.steps))
		}
		f.start(key, s.at)
		go func() {
			r, err := c.post(ctx, s.actor, path, body)
			f.done(key, s.at, err, func() {
				if err == nil && s.then != nil {
					s.then(r)
				}
			})
		}()
	}
	f.drain()
	return f.err
}

// stepKey is the aggregate a step writes to: the first two segments of its
// path, or for a registration or a new complaint, the one it creates.
func stepKey(s *demoStep) string {
	p := s.path()
	switch p {
	case "/households", "/complaints":
		if b, ok := s.body().(map[string]any); ok {
			id := b["fileNumber"]
			if id == nil {
				id = b["complaintId"]
			}
			return fmt.Sprintf("%s/%v", p, id)
		}
	}
	if i := strings.IndexByte(p[1:], '/'); i >= 0 {
		if j := strings.IndexByte(p[i+2:], '/'); j >= 0 {
			p = p[:i+2+j]
		}
	}
	if strings.HasPrefix(p, "/pools/") {
		return "/pools" // an allocation writes the pool and a project: one at a time
	}
	return p
}

// flight tracks the requests in flight: their aggregates and instants.
type flight struct {
	mu   sync.Mutex
	cond *sync.Cond
	keys map[string]bool
	ats  map[time.Time]int
	n    int
	err  error
}

func newFlight() *flight {
	f := &flight{keys: map[string]bool{}, ats: map[time.Time]int{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// wait returns once key has no request in flight, no request planned
// before oldest is in flight, and there is room for one more; or with the
// first refusal.
func (f *flight) wait(ctx context.Context, key string, oldest time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.err == nil && ctx.Err() == nil && (f.keys[key] || f.n >= runInFlightMax || f.older(oldest)) {
		f.cond.Wait()
	}
	if f.err != nil {
		return f.err
	}
	return ctx.Err()
}

// drain waits for every request in flight to be answered.
func (f *flight) drain() {
	f.mu.Lock()
	for f.n > 0 {
		f.cond.Wait()
	}
	f.mu.Unlock()
}

func (f *flight) wake() {
	f.mu.Lock()
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *flight) older(t time.Time) bool {
	for at := range f.ats {
		if at.Before(t) {
			return true
		}
	}
	return false
}

func (f *flight) start(key string, at time.Time) {
	f.mu.Lock()
	f.keys[key] = true
	f.ats[at]++
	f.n++
	f.mu.Unlock()
}

// done ends key's request, running then under the lock, so that what it
// records for later steps is seen by them.
func (f *flight) done(key string, at time.Time, err error, then func()) {
	f.mu.Lock()
	then()
	delete(f.keys, key)
	if f.ats[at]--; f.ats[at] == 0 {
		delete(f.ats, at)
	}
	f.n--
	if err != nil && f.err == nil {
		f.err = err
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}

// Randomness and time.

func (w *demoWorld) chance(p float64) bool { return w.rng.Float64() < p }

func (w *demoWorld) between(lo, hi int) int { return lo + w.rng.IntN(hi-lo+1) }

func pick[T any](w *demoWorld, xs []T) T { return xs[w.rng.IntN(len(xs))] }

// date is a day at 09:00 in China.
func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 9, 0, 0, 0, complaint.ChinaTime)
}

// workTime is a random instant of office hours (09:00–17:00) on t's day.
func (w *demoWorld) workTime(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 9, 0, 0, 0, t.Location()).Add(time.Duration(w.rng.IntN(8*60)) * time.Minute)
}

// dayIn is a random office-hours instant on a day from lo to hi.
func (w *demoWorld) dayIn(lo, hi time.Time) time.Time {
	days := int(hi.Sub(lo).Hours() / 24)
	return w.workTime(lo.AddDate(0, 0, w.rng.IntN(days+1)))
}

// ago is an office-hours instant on a day lo to hi days before today
// (lo at least 1, so it is before the real now).
func (w *demoWorld) ago(lo, hi int) time.Time {
	return w.dayIn(w.today.AddDate(0, 0, -hi), w.today.AddDate(0, 0, -lo))
}

// later is an office-hours instant lo to hi days after t.
func (w *demoWorld) later(t time.Time, lo, hi int) time.Time {
	return w.workTime(t.AddDate(0, 0, w.between(lo, hi)))
}

// decisionRef numbers a document in the series prefix of year, e.g.
// 威扶办发〔2014〕23号.
func (w *demoWorld) decisionRef(prefix string, year int) string {
	key := prefix + strconv.Itoa(year)
	if w.decisions[key] == 0 {
		w.decisions[key] = w.between(8, 30)
	}
	w.decisions[key] += w.between(1, 3)
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, w.decisions[key])
}

// Places and officials.

func (w *demoWorld) places() {
	w.pao = w.official("pao", domain.RoleCountyPAO, demoCountyCode)
	w.desk = w.official("desk", domain.RoleComplaintDesk, demoCountyCode)
	w.paoHead = "县扶贫办主任 " + w.name(domain.SexMale).han
	for _, td := range demoTowns {
		t := &demoTown{demoPlace: td.demoPlace}
		t.official = w.official("town."+td.pinyin, domain.RoleTownship, td.code)
		for _, vd := range td.villages {
			v := &demoVillage{demoPlace: vd, town: t, rounds: map[int]*demoRound{}, yearEnd: map[int]time.Time{}}
			v.enumerator = w.official("enum."+vd.pinyin, domain.RoleEnumerator, vd.code)
			v.committee = w.official("cun."+vd.pinyin, domain.RoleVillage, vd.code)
			rank := household.RankDeputySection
			if w.chance(0.5) {
				rank = household.RankSection
			}
			v.secretary = &demoCadre{id: "WN-SJ-" + vd.code[6:], name: w.name(domain.SexMale).han, rank: rank,
				left: household.CadreCapacity(rank)}
			t.villages = append(t.villages, v)
			w.villages = append(w.villages, v)
		}
		w.towns = append(w.towns, t)
	}
}

// official is an official of role over jur, with a user ID spelt from the
// name: pao.chen.guoming.
func (w *demoWorld) official(prefix string, role domain.Role, jur string) demoActor {
	for {
		n := w.name(pick(w, []domain.Sex{domain.SexMale, domain.SexFemale}))
		user := prefix + "." + n.pinyin
		if !w.users[user] {
			w.users[user] = true
			return demoActor{user: user, role: role, jur: jur}
		}
	}
}

// name is a name of sex, in characters and in pinyin (chen.guoming).
func (w *demoWorld) name(sex domain.Sex) demoChar {
	return w.nameWith(pick(w, demoSurnames), sex)
}

func (w *demoWorld) nameWith(surname demoChar, sex domain.Sex) demoChar {
	chars := demoMaleChars
	if sex == domain.SexFemale {
		chars = demoFemaleChars
	}
	n := demoChar{surname.han, surname.pinyin + "."}
	for range w.between(1, 2) {
		c := pick(w, chars)
		n.han += c.han
		n.pinyin += c.pinyin
	}
	return n
}

// cadreFor gives h a helping cadre with room under the "4321" rule: the
// village's first secretary for some, a county cadre for the others. A
// cadre's slots are never given twice, so no cadre is ever above capacity.
func (w *demoWorld) cadreFor(v *demoVillage) *demoCadre {
	c := v.secretary
	if c.left == 0 || w.chance(0.5) {
		if w.pool == nil || w.pool.left == 0 {
			ranks := []string{household.RankGeneral, household.RankBelowSection, household.RankDeputySection,
				household.RankSection, household.RankBelowSection, household.RankGeneral}
			rank := ranks[w.cadres%len(ranks)]
			w.pool = &demoCadre{id: fmt.Sprintf("WN-GB-%04d", w.cadres+1), name: w.name(pick(w, []domain.Sex{domain.SexMale, domain.SexFemale})).han,
				rank: rank, left: household.CadreCapacity(rank)}
			w.cadres++
		}
		c = w.pool
	}
	if c == v.secretary && c.left == household.CadreCapacity(c.rank) {
		w.cadres++
	}
	c.left--
	return c
}

// residentID is a valid resident identity number for someone born on birth:
// Weining's address code of the time of first registration (522427 while
// Weining was under Bijie prefecture, 520526 after 2011), the birth date,
// a sequence odd for men and even for women, and the check character.
func (w *demoWorld) residentID(birth time.Time, sex domain.Sex) string {
	area := "522427"
	if birth.Year() >= 2012 {
		area = demoCountyCode
	}
	for {
		seq := 2 * w.rng.IntN(500)
		if sex == domain.SexMale {
			seq++
		}
		first := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq)
		c, err := domain.ResidentIDCheck(first)
		if err != nil {
			panic(err) // 17 digits by construction
		}
		if id := first + string(c); !w.residents[id] {
			w.residents[id] = true
			return id
		}
	}
}

// The scorecard's answers.

// demoBand is the kind of result an assessment is drawn for.
type demoBand int

const (
	bandPoor    demoBand = iota // below 60 and below the line: enrolled, returned
	bandStay                    // 80 or less: stays in the file
	bandRisk                    // 60 to 80, above the line: monitored
	bandExit                    // above 80, income 1.6 times the line or more
	bandNotPoor                 // 60 or more, above the line: surveyed, not proposed
)

var demoBands = map[demoBand]struct {
	levelLo, levelHi   float64
	incomeLo, incomeHi float64 // × the year's line
	ok                 func(points int) bool
}{
	bandPoor:    {0, 0.45, 0.55, 0.95, func(p int) bool { return p < household.PoorPointsBelow }},
	bandStay:    {0.15, 0.6, 0.6, 1.25, func(p int) bool { return p <= household.ExitPointsAbove }},
	bandRisk:    {0.45, 0.75, 1.05, 1.45, func(p int) bool { return p >= household.PoorPointsBelow && p <= household.ExitPointsAbove }},
	bandExit:    {0.85, 1, 1.6, 3, func(p int) bool { return p > household.ExitPointsAbove }},
	bandNotPoor: {0.5, 0.85, 1.1, 1.8, func(p int) bool { return p >= household.PoorPointsBelow }},
}

// assessment draws answers and a per-capita income for h in year that fall
// in band b, and returns them as the assessment's body.
func (w *demoWorld) assessment(h *demoHousehold, kind string, year int, b demoBand) map[string]any {
	spec := demoBands[b]
	level := spec.levelLo + w.rng.Float64()*(spec.levelHi-spec.levelLo)
	var answers map[string]string
	for try := 0; ; try++ {
		answers = w.answers(h, level, true)
		total := w.score(answers)
		if spec.ok(total) {
			break
		}
		if try > 2000 {
			if w.err == nil {
				w.err = fmt.Errorf("demo plan: no answers for %v in band %d (last %d points)", h.head.name, b, total)
			}
			break
		}
		if total > household.ExitPointsAbove || (b == bandPoor && total >= household.PoorPointsBelow) {
			level = max(0, level-0.03)
		} else {
			level = min(1, level+0.03)
		}
	}
	line, _ := w.lines.Line(year)
	factor := spec.incomeLo + w.rng.Float64()*(spec.incomeHi-spec.incomeLo)
	income := int64(float64(line/100)*factor) * 100
	return map[string]any{"kind": kind, "year": year, "answers": answers, "netIncomePerCapitaFen": income}
}

func (w *demoWorld) score(answers map[string]string) int {
	a, err := scorecard.Score(w.card, answers)
	if err != nil {
		panic(fmt.Sprintf("demo plan: the answers do not fit the card: %v", err)) // a bug in answers
	}
	return a.TotalPoints
}

// answers are a survey of h: what its members say about labour and health,
// the rest drawn around level (0 the worst answer, 1 the best), with noise
// unless noisy is false.
func (w *demoWorld) answers(h *demoHousehold, level float64, noisy bool) map[string]string {
	x := func() float64 {
		if !noisy {
			return level
		}
		return min(1, max(0, level+(w.rng.Float64()-0.5)*0.5))
	}
	opt := func(worstFirst ...string) string {
		return worstFirst[min(len(worstFirst)-1, int(x()*float64(len(worstFirst))))]
	}
	num := func(lo, hi float64) string {
		v := lo + (hi-lo)*x()
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	a := map[string]string{
		"housing_condition":                   opt("dangerous_level_1_or_none", "dangerous_level_2_3", "safe"),
		"housing_area_per_person_m2":          num(6, 42),
		"road":                                opt("none", "unhardened", "hardened"),
		"drinking_water":                      opt("none", "cellar_or_spring", "safe_supply"),
		"electricity":                         opt("power_not_grid_price", "grid_standard_price", "grid_standard_price"),
		"production_machinery":                opt("no", "yes"),
		"arable_land_per_person_mu":           num(0.3, 3),
		"fruit_area_mu":                       "0",
		"cash_crop_area_mu":                   num(0, 1.6),
		"food_per_person_jin":                 num(120, 520),
		"agricultural_income_per_person_yuan": num(40, 900),
		"land_rented_out":                     "no",
		"main_labourer_skills":                opt("none", "trained", "one_or_more"),
		"wage_income_per_person_yuan":         num(0, 2600),
		"education_debt_yuan":                 "0",
	}
	if v := x(); v > 0.35 {
		a["fruit_area_mu"] = strconv.FormatFloat(math.Round((v-0.35)*30)/10, 'f', -1, 64)
	}
	if noisy && w.chance(0.08) {
		a["land_rented_out"] = "yes"
	}
	if v := x(); v < 0.6 {
		a["education_debt_yuan"] = strconv.Itoa(int((0.6-v)/0.6*150) * 100)
	}
	for k, v := range h.derived() {
		a[k] = v
	}
	return a
}

// derived are the answers h's members give: labour share, health, the main
// labourer's education, and the highest level a member studies at.
func (h *demoHousehold) derived() map[string]string {
	all := append([]demoPerson{h.head}, h.members...)
	able, main := 0, -1
	for i, p := range all {
		if p.labour != household.LabourNone {
			able++
			if main < 0 {
				main = i
			}
		}
	}
	if main < 0 {
		main = 0
	}
	mainIll, othersIll := all[main].health != "healthy", false
	ret := "none"
	rank := map[string]int{"none": 0, "compulsory": 1, "high_school": 2, "college": 3}
	for i, p := range all {
		if i != main && p.health != "healthy" {
			othersIll = true
		}
		r := map[string]string{"primary": "compulsory", "junior_middle": "compulsory", "senior_middle": "high_school",
			"vocational": "high_school", "college": "college"}[p.schooling]
		if r != "" && rank[r] > rank[ret] {
			ret = r
		}
	}
	health := map[[2]bool]string{{false, false}: "all_healthy", {false, true}: "main_labourer_healthy_others_ill",
		{true, false}: "main_labourer_ill", {true, true}: "family_ill"}[[2]bool{mainIll, othersIll}]
	edu := map[string]string{"preschool": "illiterate", "illiterate": "illiterate", "primary": "primary"}[all[main].education]
	if edu == "" {
		edu = "middle_school_or_above"
	}
	share := float64(able) / float64(len(all)) * 100
	return map[string]string{"labour_share_percent": strconv.FormatFloat(math.Round(share*100)/100, 'f', -1, 64),
		"health": health, "main_labourer_education": edu, "education_return": ret}
}

// numberFiles gives each village's households their file numbers in the
// order they were registered.
func (w *demoWorld) numberFiles() {
	for _, v := range w.villages {
		slices.SortStableFunc(v.households, func(a, b *demoHousehold) int { return a.registeredAt.Compare(b.registeredAt) })
		for i, h := range v.households {
			h.file = fmt.Sprintf("%s-%04d", v.code, i+1)
		}
	}
}
