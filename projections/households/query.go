package households

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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

// PageLenMax bounds a page of search results.
const PageLenMax = 200

// ComplaintStreamsMax bounds the complaints one household's timeline
// gathers.
const ComplaintStreamsMax = 1000

// filterBytesMax bounds a filter's value: no file number, resident ID,
// status or cursor is longer, so a longer one matches nothing (and never
// makes a key above the store's limit).
const filterBytesMax = 256

func longest(ss ...string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len(s))
	}
	return n
}

// scanChunk is how many index keys a search reads at a time while it
// filters.
const scanChunk = 256

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
	// After is the Next of the previous page.
	After string
	Limit int
}

// Page is one page of results; Next is the After of the next page ("" at
// the end). Pages are in file-number order, or with Name in the order of
// the name index (see the package doc).
type Page struct {
	Households []Summary `json:"households"`
	Next       string    `json:"next,omitempty"`
}

// Get returns one household's summary.
func (v *View) Get(ctx context.Context, file domain.FileNumber) (Summary, bool, error) {
	r, ok, err := v.record(ctx, file.String())
	if err != nil || !ok {
		return Summary{}, false, err
	}
	return r.Summary, true, nil
}

func (v *View) record(ctx context.Context, file string) (*record, bool, error) {
	raw, ok, err := v.ms.Get(ctx, v.name, fileKey(file))
	if err != nil || !ok {
		return nil, false, err
	}
	r, err := decodeRecord(raw)
	return r, err == nil, err
}

// Search returns the households matching q, from the index its filters
// name: file number, resident ID, name, status, or else the division.
func (v *View) Search(ctx context.Context, q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	page := Page{Households: []Summary{}}
	prefix, ok := narrowest(q.Within, q.Division)
	if !ok || longest(q.FileNumber, q.ResidentID, string(q.Status), q.After) > filterBytesMax {
		return page, nil // nothing can match
	}
	s := &search{v: v, q: q, page: &page, prefix: prefix}
	var err error
	switch {
	case q.FileNumber != "":
		err = s.one(ctx, q.FileNumber)
	case q.ResidentID != "":
		var raw []byte
		if raw, ok, err = v.ms.Get(ctx, v.name, residentKey(strings.ToUpper(q.ResidentID))); err == nil && ok {
			err = s.one(ctx, string(raw))
		}
	case q.Name != "":
		err = s.byName(ctx)
	case q.Status != "":
		p := statusKey(q.Status, prefix)
		err = s.scan(ctx, []byte(p), resume(p, statusKey(q.Status, q.After), q.After), true)
	default:
		p := string(fileKey(prefix))
		err = s.scan(ctx, []byte(p), resume(p, string(fileKey(q.After)), q.After), false)
	}
	return page, err
}

// narrowest is the division prefix both the jurisdiction and the filter
// allow; ok is false when they are disjoint (or j is the zero one).
func narrowest(j domain.Jurisdiction, division string) (string, bool) {
	w := j.String()
	switch {
	case j.IsZero():
		return "", false
	case strings.HasPrefix(division, w):
		return division, true
	case strings.HasPrefix(w, division):
		return w, true
	}
	return "", false
}

// resume is where a scan of prefix starts: just after the cursor's key,
// if the cursor lies inside the prefix's range, else at the prefix.
func resume(prefix, cursorKey, cursor string) []byte {
	if cursor == "" || cursorKey < prefix {
		return []byte(prefix)
	}
	return after(cursorKey)
}

// search fills one page.
type search struct {
	v    *View
	q    Query
	page *Page
	// prefix is the division prefix every file number found must have.
	prefix string
}

// offer adds r if it matches every filter; it reports whether the page is
// complete (one more match than the limit was found: Next is set).
func (s *search) offer(r *record, cursor string) bool {
	if !s.matches(r) {
		return false
	}
	if len(s.page.Households) == s.q.Limit {
		return true
	}
	s.page.Households = append(s.page.Households, r.Summary)
	if len(s.page.Households) == s.q.Limit {
		s.page.Next = cursor // withdrawn below if nothing follows
	}
	return false
}

// done ends a page: Next stays only if another match was found after it.
func (s *search) done(more bool) {
	if !more {
		s.page.Next = ""
	}
}

func (s *search) matches(r *record) bool {
	q := s.q
	village, err := domain.ParseDivisionCode(r.Village)
	if err != nil || !q.Within.Contains(village) || !strings.HasPrefix(r.Village, q.Division) {
		return false
	}
	if q.Status != "" && r.Status != q.Status {
		return false
	}
	if q.FileNumber != "" && r.FileNumber != q.FileNumber {
		return false
	}
	if q.ResidentID != "" && !slices.Contains(r.ResidentIDs, strings.ToUpper(q.ResidentID)) {
		return false
	}
	return q.Name == "" || slices.ContainsFunc(r.Names, func(n string) bool { return strings.Contains(n, q.Name) })
}

func (s *search) one(ctx context.Context, file string) error {
	if s.q.After != "" && file <= s.q.After {
		return nil
	}
	r, ok, err := s.v.record(ctx, file)
	if err != nil || !ok {
		return err
	}
	s.done(s.offer(r, file))
	return nil
}

// scan walks the keys of prefix from start: f/ keys hold the records,
// s/ keys their summaries (byIndex: enough for the filters of a status
// search, which names neither resident nor name).
func (s *search) scan(ctx context.Context, prefix, start []byte, byIndex bool) error {
	end := prefixEnd(prefix)
	// Every key in range matches but for the jurisdiction's own check, so a
	// page's worth (and one to tell whether more follow) is enough.
	n := s.q.Limit + 1
	for from := start; ; {
		kvs, err := s.v.chunkOf(ctx, from, end, n)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			file := kv.key[strings.LastIndexByte(kv.key, '/')+1:]
			var r *record
			if byIndex {
				r = &record{}
				if err := json.Unmarshal([]byte(kv.value), &r.Summary); err != nil {
					return fmt.Errorf("households: a stored summary: %w", err)
				}
			} else if r, err = decodeRecord([]byte(kv.value)); err != nil {
				return err
			}
			if s.offer(r, file) {
				s.done(true)
				return nil
			}
		}
		if len(kvs) < n {
			s.done(false)
			return nil
		}
		from = after(kvs[len(kvs)-1].key)
	}
}

// byName walks the name index from the query's prefix. A household whose
// names hold the query in several places is shown once: at the smallest
// of its suffixes that the scan meets.
func (s *search) byName(ctx context.Context) error {
	qk := cutRunes(s.q.Name, NameKeyRunesMax)
	prefix := []byte("n/" + qk)
	from := prefix
	if c := s.q.After; c != "" {
		i := strings.LastIndexByte(c, '/')
		if i < 0 {
			return domain.Errorf("cursor_invalid", "after=%q is not a cursor of a name search", c)
		}
		if k := nameKey(c[:i], c[i+1:]); k >= string(prefix) {
			from = after(k)
		}
	}
	end := prefixEnd(prefix)
	for {
		kvs, err := s.v.chunk(ctx, from, end)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			suffix, file, _ := strings.Cut(strings.TrimPrefix(kv.key, "n/"), "\x00")
			if !strings.HasPrefix(file, s.prefix) || !firstKey(kv.value, qk) {
				continue // outside the division, or found already: no need to read it
			}
			r, ok, err := s.v.record(ctx, file)
			if err != nil {
				return err
			}
			if !ok || firstSuffix(r, qk) != suffix {
				continue // changed since the index was read
			}
			if s.offer(r, suffix+"/"+file) {
				s.done(true)
				return nil
			}
		}
		if len(kvs) < scanChunk {
			s.done(false)
			return nil
		}
		from = after(kvs[len(kvs)-1].key)
	}
}

// firstKey reports whether a name key whose value is shared (the bytes it
// shares with its household's next smaller suffix) is its household's
// first key beginning with qk: the smaller suffix does not begin with qk.
func firstKey(shared, qk string) bool {
	n, err := strconv.Atoi(shared)
	return err != nil || n < len(qk) // unreadable: let the record decide
}

// firstSuffix is the smallest name-index suffix of r that begins with qk.
func firstSuffix(r *record, qk string) string {
	all := map[string]bool{}
	for _, n := range r.Names {
		nameSuffixes(n, all)
	}
	first := ""
	for s := range all {
		if strings.HasPrefix(s, qk) && (first == "" || s < first) {
			first = s
		}
	}
	return first
}

type kv struct{ key, value string }

// chunk reads up to scanChunk keys of [from, to), copied, so the caller may
// read the store while it walks them.
func (v *View) chunk(ctx context.Context, from, to []byte) ([]kv, error) {
	return v.chunkOf(ctx, from, to, scanChunk)
}

func (v *View) chunkOf(ctx context.Context, from, to []byte, n int) ([]kv, error) {
	var out []kv
	err := v.ms.Scan(ctx, v.name, from, to, n, func(k, val []byte) error {
		out = append(out, kv{string(k), string(val)})
		return nil
	})
	return out, err
}

// CadreLoad is how many households in the file the cadre helps now.
func (v *View) CadreLoad(ctx context.Context, cadreID string) (int, error) {
	if cadreID == "" {
		return 0, nil
	}
	raw, ok, err := v.ms.Get(ctx, v.name, []byte(loadKey(cadreID)))
	if err != nil || !ok {
		return 0, err
	}
	return atoi(raw)
}

// ComplaintStreams lists the streams of the complaints that name file, in
// the order they were received.
func (v *View) ComplaintStreams(ctx context.Context, file domain.FileNumber) ([]string, error) {
	prefix := []byte("k/" + file.String() + "/")
	var out []string
	err := v.ms.Scan(ctx, v.name, prefix, prefixEnd(prefix), ComplaintStreamsMax+1, func(_, val []byte) error {
		out = append(out, string(val))
		return nil
	})
	if err == nil && len(out) > ComplaintStreamsMax {
		err = domain.Errorf("limit_exceeded", "household %s is named by more than %d complaints; ask an operator for an export", file, ComplaintStreamsMax)
	}
	return out, err
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

// CountBy returns counts per division at level (village, township or
// county), of the households within j, in code order. It reads the
// counters: at level, or at j's own level when j is narrower (a township
// asking per county sees its own households under its county's code).
func (v *View) CountBy(ctx context.Context, j domain.Jurisdiction, level domain.Level) ([]Counts, error) {
	if level < domain.LevelCounty || level > domain.LevelVillage {
		return nil, fmt.Errorf("households: counts by %v: use village, township or county", level)
	}
	out := []Counts{}
	if j.IsZero() {
		return out, nil
	}
	read := level
	if j.Level() > level {
		read = j.Level()
	}
	kind := counterPrefix(read)
	prefix := []byte(kind + j.String())
	width := level.Digits()
	for from, end := prefix, prefixEnd(prefix); ; {
		kvs, err := v.chunk(ctx, from, end)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			division, status, _ := strings.Cut(kv.key[len(kind):], "/")
			n, err := atoi([]byte(kv.value))
			if err != nil {
				return nil, err
			}
			if len(out) == 0 || out[len(out)-1].Division != division[:width] {
				out = append(out, Counts{Division: division[:width]})
			}
			tally(&out[len(out)-1], household.Status(status), n)
		}
		if len(kvs) < scanChunk {
			return out, nil
		}
		from = after(kvs[len(kvs)-1].key)
	}
}

func tally(c *Counts, st household.Status, n int) {
	c.Total += n
	switch st {
	case household.StatusEnrolled, household.StatusExitProposed, household.StatusExitPublicized:
		c.Enrolled += n
	case household.StatusReturned:
		c.Enrolled += n
		c.Returned += n
	case household.StatusExited:
		c.Exited += n
	case household.StatusMonitored:
		c.Exited += n
		c.AtRisk += n
	case household.StatusRemoved:
		c.Removed += n
	}
}
