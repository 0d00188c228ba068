// Package demo loads a synthetic Weining county through the real command
// path. Every fact goes in as an HTTP request to the server's handler (the
// caller wires it over the real store, as `drip serve` does), with bearer
// tokens of realistic officials: so the demo can only record what the rules
// accept, and what it records is what a county would have recorded. A
// simulated clock, which the caller makes both the server's clock and the
// store's, runs from the 2014 survey season up to the real now at the load:
// the programme's years to 2020, the five consolidation years that
// followed (exited households monitored for the risk of returning to
// poverty, returns, support continuing), and the payments, complaints and
// publicities of the last months, some open today. So reads "as of" a
// date show history, and what a newcomer tries today works against it.
package demo

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections/funds"
)

// Limits and defaults of the demo.
const (
	HouseholdsDefault = 300
	HouseholdsMin     = 30 // fewer cannot hold every status and every story
	HouseholdsMax     = 5000
	// TokenTTL is how long the tokens PrintTokens prints are valid.
	TokenTTL          = 24 * time.Hour
	demoCensusPageLen = 1000
)

// Start is where the simulated clock starts: the first survey season. It
// ends at the last step, before the real now the load began at.
var Start = time.Date(2014, 4, 1, 8, 0, 0, 0, complaint.ChinaTime)

// CountyCode is the demo county's division code (Weining's, which is real).
const CountyCode = demoCountyCode

// Ledger is the fund read model the summary's money is read from, once it
// has applied every event of the load (projections/funds.View with the
// runner's WaitFor).
type Ledger interface {
	WaitFor(ctx context.Context, position uint64) error
	Pool(j domain.Jurisdiction, county fund.County, now time.Time) (funds.PoolSummary, error)
	Project(j domain.Jurisdiction, id fund.ProjectID) (funds.ProjectSummary, error)
	DripTrail(j domain.Jurisdiction, file domain.FileNumber, after uint64, limit int) (funds.DripTrail, error)
}

// Options are what Load is told.
type Options struct {
	Households int
	Seed       uint64
	// Key signs the officials' tokens; the handler must accept them.
	Key ed25519.PrivateKey
	// Clock is the simulated clock the handler's server and the store run
	// on; Load moves it.
	Clock *Clock
	// Log is the store the handler writes to, read back for the summary;
	// Registry decodes it.
	Log      events.Store
	Registry *events.Registry
	Ledger   Ledger
	// Progress, if not nil, hears of each simulated year as it is loaded.
	Progress io.Writer
	// Now is the real now the history runs up to; zero means time.Now().
	Now time.Time
}

func (o Options) validate() error {
	var errs []error
	if o.Households < HouseholdsMin || o.Households > HouseholdsMax {
		errs = append(errs, fmt.Errorf("demo: %d households is outside %d..%d", o.Households, HouseholdsMin, HouseholdsMax))
	}
	if o.Key == nil || o.Clock == nil || o.Log == nil || o.Registry == nil || o.Ledger == nil {
		errs = append(errs, errors.New("demo: the key, clock, log, registry and ledger are required"))
	}
	return errors.Join(errs...)
}

// Plan plans the county of n households and seed up to now, sends
// nothing, and says what it leaves open today: what Load of the same
// households, seed and day leaves.
func Plan(n int, seed uint64, now time.Time) Today { return planDemo(n, seed, now).todays() }

// Summary is what a load wrote.
type Summary struct {
	DataDir    string
	Files      map[string]household.Status // file number → status
	Complaints map[string]complaint.Status // complaint ID → status
	Events     uint64
	Requests   int
	Cadres     int
	Took       time.Duration
	// Start and End are the simulated span; End is before the real now.
	Start, End time.Time
	// Today names what a newcomer can do today against the county.
	Today Today
	// Returned is a household that exited and fell back, for the as-of example.
	Returned         string
	ExitedAt, BackAt time.Time
	// Money is the fund ledger as the load left it.
	Money Money
}

// Load plans the county from o.Seed and sends the plan, in time order, to
// h. Any refused request stops it with the problem. The caller checks that
// the store is empty first: the demo never mixes its synthetic county into
// real data.
func Load(ctx context.Context, h http.Handler, o Options) (Summary, error) {
	if err := o.validate(); err != nil {
		return Summary{}, err
	}
	began := time.Now()
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	w := planDemo(o.Households, o.Seed, now)
	c := &demoClient{h: h, key: o.Key, clock: o.Clock}
	if err := w.run(ctx, c, o.Clock, o.Progress); err != nil {
		return Summary{}, err
	}
	// The history ends at the real now the load began at: what the server
	// records next, on the real clock, comes after it.
	o.Clock.set(w.end.Add(-time.Second))
	money, err := w.money(ctx, o.Log, o.Ledger, o.Clock.Now())
	if err != nil {
		return Summary{}, err
	}
	sum, err := demoCensus(ctx, o.Log, o.Registry)
	if err != nil {
		return Summary{}, err
	}
	sum.Money = money
	sum.Requests, sum.Cadres = int(c.requests.Load()), w.cadres
	sum.Start, sum.End, sum.Today = Start, o.Clock.Now(), w.todays()
	if h := w.story.returned; h != nil {
		sum.Returned, sum.ExitedAt, sum.BackAt = h.file, h.exitedAt, h.returnedAt
	}
	sum.Took = time.Since(began)
	return sum, nil
}

// Clock is the simulated time: the server's clock and the store's
// (RecordedAt). Only the plan moves it, and only forward. Its zero value
// reads Start.
type Clock struct{ ns atomic.Int64 }

// Now is the simulated now; wire it as the server's and the store's clock.
func (c *Clock) Now() time.Time {
	ns := c.ns.Load()
	if ns == 0 {
		return Start
	}
	return time.Unix(0, ns).In(complaint.ChinaTime)
}

func (c *Clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// demoActor is an official the demo acts as.
type demoActor struct {
	user string
	role domain.Role
	jur  string
}

// demoClient sends requests to the server's handler, each with a token
// minted at the simulated now.
type demoClient struct {
	h        http.Handler
	key      ed25519.PrivateKey
	clock    *Clock
	requests atomic.Int64
	mu       sync.Mutex
	tokens   map[string]clientToken // by user
}

// post sends body to path as a and returns the command's answer; any answer
// but a 2xx is an error carrying the problem the server gave.
func (c *demoClient) post(ctx context.Context, a demoActor, path string, body any) (api.CommandResponse, error) {
	now := c.clock.Now()
	tok, err := c.token(a, now)
	if err != nil {
		return api.CommandResponse{}, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return api.CommandResponse{}, err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	c.requests.Add(1)
	if rec.Code/100 != 2 {
		return api.CommandResponse{}, fmt.Errorf("demo refused at %s: POST %s as %s (%s, %s) = %d\n%s\nrequest: %s",
			now.Format("2006-01-02 15:04"), path, a.user, a.role, a.jur, rec.Code, strings.TrimSpace(rec.Body.String()), raw)
	}
	var out api.CommandResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return out, fmt.Errorf("POST %s: answer: %w", path, err)
	}
	return out, nil
}

// token is a's token at now: one signature per official per
// clientTokenTTL of simulated time, not one per request, as an official's
// session would be.
func (c *demoClient) token(a demoActor, now time.Time) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tokens[a.user]; ok && now.Before(t.renew) && !now.Before(t.issued) {
		return t.tok, nil
	}
	tok, err := api.IssueToken(c.key, api.Claims{User: a.user, Role: a.role, Jurisdiction: a.jur,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(clientTokenTTL).Unix()})
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", a.user, err)
	}
	if c.tokens == nil {
		c.tokens = map[string]clientToken{}
	}
	c.tokens[a.user] = clientToken{tok: tok, issued: now, renew: now.Add(clientTokenTTL - time.Hour)}
	return tok, nil
}

// clientTokenTTL is the lifetime of the tokens the demo's officials use.
const clientTokenTTL = 7 * 24 * time.Hour

type clientToken struct {
	tok           string
	issued, renew time.Time
}

// demoCensus folds every household and complaint stream of store.
func demoCensus(ctx context.Context, store events.Store, reg *events.Registry) (Summary, error) {
	streams := map[string][]events.Event{}
	var order []string
	sum := Summary{Files: map[string]household.Status{}, Complaints: map[string]complaint.Status{}}
	for from := uint64(1); ; {
		page, err := store.ReadAll(ctx, from, demoCensusPageLen)
		if err != nil {
			return sum, err
		}
		for _, ev := range page {
			if _, seen := streams[ev.Stream]; !seen {
				order = append(order, ev.Stream)
			}
			streams[ev.Stream] = append(streams[ev.Stream], ev)
			sum.Events, from = ev.Position, ev.Position+1
		}
		if len(page) < demoCensusPageLen {
			break
		}
	}
	for _, name := range order {
		evs := streams[name]
		switch {
		case strings.HasPrefix(name, household.StreamPrefix):
			s, err := household.StateAt(reg, evs, evs[len(evs)-1].RecordedAt)
			if err != nil {
				return sum, err
			}
			sum.Files[s.File().String()] = s.Status()
		case strings.HasPrefix(name, "complaint-"):
			var s complaint.State
			for _, ev := range evs {
				p, err := reg.Decode(ev)
				if err != nil {
					return sum, err
				}
				if s, err = complaint.Evolve(s, ev, p); err != nil {
					return sum, err
				}
			}
			sum.Complaints[strings.TrimPrefix(name, "complaint-")] = s.Status()
		}
	}
	return sum, nil
}

// HouseholdStatuses are the household statuses in the order the file
// moves through them.
var HouseholdStatuses = []household.Status{household.StatusRegistered, household.StatusSurveyed,
	household.StatusProposed, household.StatusPublicized, household.StatusEnrolled, household.StatusRejected,
	household.StatusExitProposed, household.StatusExitPublicized, household.StatusExited,
	household.StatusMonitored, household.StatusReturned, household.StatusRemoved}

// ComplaintStatuses are the complaint statuses in the order of handling.
var ComplaintStatuses = []complaint.Status{complaint.StatusReceived, complaint.StatusAcknowledged,
	complaint.StatusAssigned, complaint.StatusResolved, complaint.StatusClosed, complaint.StatusAppealed}

// CountBy counts the values of m.
func CountBy[K comparable, V comparable](m map[K]V) map[V]int {
	out := map[V]int{}
	for _, v := range m {
		out[v]++
	}
	return out
}

// Print writes what the load wrote.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "Loaded a synthetic %s into %s in %.1fs: %d events from %d requests, simulated %s to %s.\n",
		demoCountyName, s.DataDir, s.Took.Seconds(), s.Events, s.Requests,
		s.Start.Format(time.DateOnly), s.End.Format(time.DateOnly))
	villages := 0
	for _, t := range demoTowns {
		villages += len(t.villages)
	}
	fmt.Fprintf(w, "%d townships, %d villages, %d households, %d helping cadres, %d complaints.\n\nHouseholds by status:\n",
		len(demoTowns), villages, len(s.Files), s.Cadres, len(s.Complaints))
	hs := CountBy(s.Files)
	for _, st := range HouseholdStatuses {
		fmt.Fprintf(w, "  %-16s %5d\n", st, hs[st])
	}
	fmt.Fprintln(w, "Complaints by status:")
	cs := CountBy(s.Complaints)
	for _, st := range ComplaintStatuses {
		fmt.Fprintf(w, "  %-16s %5d\n", st, cs[st])
	}
	s.Money.print(w)
}

// TokenUsers are the officials whose tokens PrintTokens prints.
var TokenUsers = []struct {
	Env  string
	User string
	Role domain.Role
}{
	{"PAO_TOKEN", "pao.chen.guoming", domain.RoleCountyPAO},
	{"DESK_TOKEN", "desk.li.xiuying", domain.RoleComplaintDesk},
	{"AUDIT_TOKEN", "audit.zhou.min", domain.RoleAuditor},
	{"FIN_TOKEN", "fin.wang.fang", domain.RoleCountyFinance},
}

// PrintTokens prints tokens valid for TokenTTL from the real now, signed
// with key (kept at keyPath, which it names), and example requests for a
// drip serve of dataDir listening on addr. sum, if not nil, names a
// household for the as-of example.
func PrintTokens(w io.Writer, key ed25519.PrivateKey, keyPath, dataDir, addr string, sum *Summary) error {
	now := time.Now()
	fmt.Fprintf(w, "\nTokens for county %s, valid %v (signed with %s):\n", demoCountyCode, TokenTTL, keyPath)
	for _, u := range TokenUsers {
		tok, err := api.IssueToken(key, api.Claims{User: u.User, Role: u.Role, Jurisdiction: demoCountyCode,
			IssuedAt: now.Unix(), ExpiresAt: now.Add(TokenTTL).Unix()})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  export %s=%s   # %s, %s\n", u.Env, tok, u.User, u.Role)
	}
	base := "http://" + addr
	fmt.Fprintf(w, "\nTry (with drip serve --data %s running):\n", dataDir)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/complaints?overdue=true'\n", base)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $AUDIT_TOKEN\" '%s/stats/households?level=township'\n", base)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $PAO_TOKEN\" '%s/households?status=returned&limit=5'\n", base)
	if sum != nil && sum.Returned != "" {
		between := sum.ExitedAt.AddDate(0, 0, 14)
		fmt.Fprintf(w, "  # %s exited on %s and returned to poverty on %s; the desk's file as of a date in between:\n",
			sum.Returned, sum.ExitedAt.Format(time.DateOnly), sum.BackAt.Format(time.DateOnly))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/households/%s/as-of?at=%s'\n", base, sum.Returned, between.Format(time.DateOnly))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $DESK_TOKEN\" '%s/households/%s/timeline'\n", base, sum.Returned)
	}
	if sum != nil && sum.Money.Example != "" {
		fmt.Fprintf(w, "  # %s was paid from %s; every fen back to its documents:\n", sum.Money.Example, strings.Join(sum.Money.ExampleDocs, " and "))
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $AUDIT_TOKEN\" '%s/households/%s/drip-trail'\n", base, sum.Money.Example)
	}
	if sum != nil {
		printToday(w, base, sum.Today, time.Now().In(complaint.ChinaTime))
	}
	return nil
}

// printToday prints commands that work today against the county.
func printToday(w io.Writer, base string, t Today, now time.Time) {
	post := func(tok, path, body string) {
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $%s\" -H 'Content-Type: application/json' %s%s -d '%s'\n", tok, base, path, body)
	}
	fmt.Fprintln(w, "\nCommands that work today:")
	if t.InPublicity != "" {
		fmt.Fprintf(w, "  # %s is in its publicity: anyone may object\n", t.InPublicity)
		post("DESK_TOKEN", "/households/"+t.InPublicity+"/objections", `{"raisedBy":"王国明","statement":"他家去年盖了新房 / they built a new house last year"}`)
	}
	if t.Enrollable != "" {
		fmt.Fprintf(w, "  # %s was posted unopposed and passed the township's review\n", t.Enrollable)
		post("PAO_TOKEN", "/households/"+t.Enrollable+"/enroll", fmt.Sprintf(`{"decisionRef":"威扶办发〔%d〕99号"}`, now.Year()))
	}
	if t.PayProject != "" && t.PayHousehold != "" {
		fmt.Fprintf(w, "  # project %s is implementing, with money left; %s is one of its households\n", t.PayProject, t.PayHousehold)
		post("FIN_TOKEN", "/projects/"+t.PayProject+"/payments", fmt.Sprintf(`{"payee":"household","household":"%s","amountFen":150000,"purpose":"production_subsidy","period":"%s"}`,
			t.PayHousehold, now.Format("2006-01")))
		post("DESK_TOKEN", "/complaints", fmt.Sprintf(`{"complaintId":"12317-%d-990001","channel":"phone_12317","category":"money_not_received","subject":{"kind":"household","ref":"%s"},"division":"%s","complainant":{"kind":"anonymous"},"text":"反映本月奖补资金未到账 / says the award of this month has not arrived"}`,
			now.Year(), t.PayHousehold, t.PayHousehold[:12]))
	}
}
