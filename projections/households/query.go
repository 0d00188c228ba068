package households

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// Summary is one household as lists and search show it. Resident IDs are
// masked: a list is not the place to read them in full.
type Summary struct {
	FileNumber string           `json:"fileNumber"`
	Village    string           `json:"village"`
	Status     household.Status `json:"status"`
	HeadName   string           `json:"headName"`
	// HeadResidentID is masked (520526********1234).
	HeadResidentID string `json:"headResidentId"`
	Members        int    `json:"members"`
	// Score and IncomePerCapitaFen are from the latest assessment (0 if
	// none).
	Score              int        `json:"score"`
	IncomePerCapitaFen domain.Fen `json:"incomePerCapitaFen"`
	CadreID            string     `json:"cadreId,omitempty"`
	// Position is the global position of the household's last event.
	Position uint64 `json:"position"`
}

func summarize(file string, e *entry) Summary {
	s := e.state
	head := s.Head()
	out := Summary{FileNumber: file, Village: s.Village().String(), Status: s.Status(),
		HeadName: head.Name, HeadResidentID: head.ResidentID.Masked(), Members: len(s.Members()), Position: e.position}
	if a, ok := s.LatestAssessment(); ok {
		out.Score, out.IncomePerCapitaFen = a.TotalPoints, a.NetIncomePerCapitaFen
	}
	if c, ok := s.Cadre(); ok {
		out.CadreID = c.ID
	}
	return out
}

// Get returns one household's summary and its full current state.
func (v *View) Get(file domain.FileNumber) (Summary, household.State, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	e, ok := v.byFile[file.String()]
	if !ok {
		return Summary{}, household.State{}, false
	}
	return summarize(file.String(), e), e.state, true
}

// PageLenMax bounds a page of search results.
const PageLenMax = 200

// Query selects households. Every set field must match.
type Query struct {
	// Within is the caller's jurisdiction: only households in it are seen.
	Within domain.Jurisdiction
	// Division narrows to a village, township or county prefix.
	Division string
	// FileNumber and ResidentID match exactly; Name matches any member's
	// name containing it.
	FileNumber, ResidentID, Name string
	Status                       household.Status
	// After is the file number the previous page ended with.
	After string
	Limit int
}

// Page is one page of results, in file-number order; Next is the After of
// the next page ("" at the end).
type Page struct {
	Households []Summary `json:"households"`
	Next       string    `json:"next,omitempty"`
}

// Search returns the households matching q. It scans the view: a county's
// tens of thousands of households take a few milliseconds.
func (v *View) Search(q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	files := v.candidates(q)
	slices.Sort(files)
	page := Page{Households: []Summary{}}
	for _, f := range files {
		if f <= q.After {
			continue
		}
		e := v.byFile[f]
		if !matches(f, e.state, q) {
			continue
		}
		if len(page.Households) == q.Limit {
			page.Next = page.Households[q.Limit-1].FileNumber
			break
		}
		page.Households = append(page.Households, summarize(f, e))
	}
	return page, nil
}

func (v *View) candidates(q Query) []string {
	switch {
	case q.FileNumber != "":
		if _, ok := v.byFile[q.FileNumber]; ok {
			return []string{q.FileNumber}
		}
		return nil
	case q.ResidentID != "":
		if f, ok := v.byResident[strings.ToUpper(q.ResidentID)]; ok {
			return []string{f}
		}
		return nil
	}
	out := make([]string, 0, len(v.byFile))
	for f := range v.byFile {
		out = append(out, f)
	}
	return out
}

func matches(file string, s household.State, q Query) bool {
	if !q.Within.Contains(s.Village()) || !strings.HasPrefix(s.Village().String(), q.Division) {
		return false
	}
	if q.Status != "" && s.Status() != q.Status {
		return false
	}
	if q.Name == "" {
		return true
	}
	for _, m := range s.Members() {
		if strings.Contains(m.Name, q.Name) {
			return true
		}
	}
	return false
}

// Counts are a division's households by where they stand in the file.
type Counts struct {
	Division string `json:"division"`
	// Name is the place's name from the division registry; the API fills
	// it (the read model keeps codes only), empty where the registry has
	// none.
	Name string `json:"name,omitempty"`
	// Enrolled: in the file now (enrolled, exit under way, or returned).
	Enrolled int `json:"enrolled"`
	// Exited: out of the file (exited, including those monitored).
	Exited int `json:"exited"`
	// AtRisk: exited but monitored for falling back.
	AtRisk   int `json:"atRisk"`
	Returned int `json:"returned"`
	Removed  int `json:"removed"`
	// Total counts every household registered, whatever its status.
	Total int `json:"total"`
}

// CountBy returns counts per division at level (village or county), for the
// divisions within j, in code order.
func (v *View) CountBy(j domain.Jurisdiction, level domain.Level) ([]Counts, error) {
	width := level.Digits()
	if level < domain.LevelCounty {
		return nil, fmt.Errorf("households: counts by %v: use village, township or county", level)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	by := map[string]*Counts{}
	for _, e := range v.byFile {
		village := e.state.Village()
		if !j.Contains(village) {
			continue
		}
		key := village.String()[:width]
		c := by[key]
		if c == nil {
			c = &Counts{Division: key}
			by[key] = c
		}
		tally(c, e.state.Status())
	}
	out := make([]Counts, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Counts) int { return strings.Compare(a.Division, b.Division) })
	return out, nil
}

func tally(c *Counts, st household.Status) {
	c.Total++
	switch st {
	case household.StatusEnrolled, household.StatusExitProposed, household.StatusExitPublicized:
		c.Enrolled++
	case household.StatusReturned:
		c.Enrolled++
		c.Returned++
	case household.StatusExited:
		c.Exited++
	case household.StatusMonitored:
		c.Exited++
		c.AtRisk++
	case household.StatusRemoved:
		c.Removed++
	}
}
