package complaints

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
)

// PageLenMax bounds a page of the queue.
const PageLenMax = 200

// OverdueMax bounds the open complaints past a deadline that one overdue
// query gathers (to answer in ID order it reads them all; those that missed
// a deadline for good are read a page at a time): a desk with more has a
// problem no page will show.
const OverdueMax = 100_000

// idBytesMax bounds an ID, status or category a query names: none is
// longer, so a longer one matches nothing (and makes no key above the
// store's limit).
const idBytesMax = 100

// scanChunk is how many index keys a query reads at a time while it
// filters.
const scanChunk = 256

// Query selects complaints; every set field must match.
type Query struct {
	Within   domain.Jurisdiction
	Status   complaint.Status
	Category complaint.Category
	// OverdueOnly keeps complaints with a missed deadline at Now.
	OverdueOnly bool
	Now         time.Time
	// After is the ID the previous page ended with.
	After string
	Limit int
}

// Page is one page of the queue in ID order.
type Page struct {
	Complaints []Item `json:"complaints"`
	Next       string `json:"next,omitempty"`
}

// List returns the complaints matching q, walking the index of the
// jurisdiction with q's status or category, or, for OverdueOnly, the
// complaints overdue at q.Now.
func (v *View) List(ctx context.Context, q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > PageLenMax {
		return Page{}, domain.Errorf("page_length", "a page holds 1 to %d items, not %d", PageLenMax, q.Limit)
	}
	page := Page{Complaints: []Item{}}
	if q.Within.IsZero() || max(len(q.After), len(q.Status), len(q.Category)) > idBytesMax {
		return page, nil
	}
	if q.OverdueOnly {
		return v.overdue(ctx, q)
	}
	j := q.Within.String()
	prefix := "d/" + j + "/"
	switch {
	case q.Status != "":
		prefix = "s/" + j + "/" + string(q.Status) + "/"
	case q.Category != "":
		prefix = "c/" + j + "/" + string(q.Category) + "/"
	}
	from := []byte(prefix)
	if q.After != "" {
		from = []byte(prefix + q.After + "\x00")
	}
	end := prefixEnd([]byte(prefix))
	for {
		kvs, err := v.chunk(ctx, from, end)
		if err != nil {
			return Page{}, err
		}
		for _, k := range kvs {
			full, err := v.offer(ctx, &page, q, k[len(prefix):])
			if err != nil || full {
				return page, err
			}
		}
		if len(kvs) < scanChunk {
			return page, nil
		}
		from = append([]byte(kvs[len(kvs)-1]), 0)
	}
}

// offer adds complaint id to the page if it matches q; full reports that one
// more match than the limit was found (Next is set).
func (v *View) offer(ctx context.Context, page *Page, q Query, id string) (full bool, err error) {
	r, ok, err := v.record(ctx, id)
	if err != nil || !ok {
		return false, err
	}
	d, err := domain.ParseDivisionCode(r.Division)
	if err != nil || !q.Within.Contains(d) || q.Status != "" && r.Status != q.Status || q.Category != "" && r.Category != q.Category {
		return false, nil
	}
	it := r.item(q.Now)
	if q.OverdueOnly && !it.Overdue.Any() {
		return false, nil
	}
	if len(page.Complaints) == q.Limit {
		page.Next = page.Complaints[q.Limit-1].ID
		return true, nil
	}
	page.Complaints = append(page.Complaints, it)
	return false, nil
}

// overdue answers an OverdueOnly query: the complaints of the
// jurisdiction that missed a deadline for good (m/, read lazily in ID
// order) merged with those whose deadline passed before Now while they
// waited (o/ keys before Now, whose values carry what the filters need).
func (v *View) overdue(ctx context.Context, q Query) (Page, error) {
	page := Page{Complaints: []Item{}}
	waiting, err := v.pastDeadline(ctx, q)
	if err != nil {
		return Page{}, err
	}
	prefix := "m/" + q.Within.String() + "/"
	from := []byte(prefix)
	if q.After != "" {
		from = []byte(prefix + q.After + "\x00")
	}
	end := prefixEnd([]byte(prefix))
	var missed []string // the current chunk of m/, as IDs
	for {
		if len(missed) == 0 && from != nil {
			kvs, err := v.chunk(ctx, from, end)
			if err != nil {
				return Page{}, err
			}
			for _, k := range kvs {
				missed = append(missed, k[len(prefix):])
			}
			from = nil // m/ is read out
			if len(kvs) == scanChunk {
				from = append([]byte(kvs[len(kvs)-1]), 0)
			}
		}
		var id string
		switch {
		case len(missed) == 0 && len(waiting) == 0:
			return page, nil
		case len(waiting) == 0 || len(missed) > 0 && missed[0] < waiting[0]:
			id, missed = missed[0], missed[1:]
		default:
			id, waiting = waiting[0], waiting[1:]
		}
		full, err := v.offer(ctx, &page, q, id)
		if err != nil || full {
			return page, err
		}
	}
}

// pastDeadline is the IDs, in order, of the complaints matching q (after
// q.After) that were still waiting on a deadline which passed before q.Now.
func (v *View) pastDeadline(ctx context.Context, q Query) ([]string, error) {
	var ids []string
	from, end := []byte("o/"), []byte("o/"+timeKey(q.Now))
	for {
		var kvs [][2]string
		err := v.ms.Scan(ctx, v.name, from, end, scanChunk, func(k, val []byte) error {
			kvs = append(kvs, [2]string{string(k), string(val)})
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			id := kv[0][strings.LastIndexByte(kv[0], '/')+1:]
			division, rest, _ := strings.Cut(kv[1], "|")
			status, category, _ := strings.Cut(rest, "|")
			if q.After != "" && id <= q.After || !strings.HasPrefix(division, q.Within.String()) ||
				q.Status != "" && complaint.Status(status) != q.Status || q.Category != "" && complaint.Category(category) != q.Category {
				continue
			}
			if ids = append(ids, id); len(ids) > OverdueMax {
				return nil, domain.Errorf("limit_exceeded", "more than %d open complaints are past a deadline here; narrow the query by status or category", OverdueMax)
			}
		}
		if len(kvs) < scanChunk {
			slices.Sort(ids)
			return ids, nil
		}
		from = append([]byte(kvs[len(kvs)-1][0]), 0)
	}
}

// Get returns one complaint, as the queue shows it at now.
func (v *View) Get(ctx context.Context, id string, now time.Time) (Item, bool, error) {
	r, ok, err := v.record(ctx, id)
	if err != nil || !ok {
		return Item{}, false, err
	}
	return r.item(now), true, nil
}

func (v *View) record(ctx context.Context, id string) (*record, bool, error) {
	if id == "" || len(id) > idBytesMax {
		return nil, false, nil
	}
	raw, ok, err := v.ms.Get(ctx, v.name, idKey(id))
	if err != nil || !ok {
		return nil, false, err
	}
	r, err := decodeRecord(raw)
	return r, err == nil, err
}

// chunk reads up to scanChunk keys of [from, to), copied.
func (v *View) chunk(ctx context.Context, from, to []byte) ([]string, error) {
	var out []string
	err := v.ms.Scan(ctx, v.name, from, to, scanChunk, func(k, _ []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out, err
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
