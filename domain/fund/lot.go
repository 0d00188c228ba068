package fund

import (
	"fmt"

	"github.com/drip-ledger/drip/domain"
)

// Lot is money of one allocation drawn from one appropriation: the unit of
// lineage. A project holds a queue of lots; a payment records the lots it
// drew, so every fen a payee received names the allocation (and so the
// pool, its approval and approver) and the appropriation document it came
// from. See the package documentation for the rule.
type Lot struct {
	Allocation string     `json:"allocation"` // the allocation's reference
	Document   string     `json:"document"`   // the appropriation's document number (文号)
	AmountFen  domain.Fen `json:"amountFen"`
}

func (l Lot) sameSource(o Lot) bool { return l.Allocation == o.Allocation && l.Document == o.Document }

// lotsOf turns an allocation into the lots it adds to a project, one per
// cited appropriation, in citation order.
func lotsOf(a *Allocated) []Lot {
	out := make([]Lot, len(a.Draws))
	for i, d := range a.Draws {
		out[i] = Lot{Allocation: a.Ref, Document: d.Document, AmountFen: d.AmountFen}
	}
	return out
}

// take draws amount from the front of queue (first in, first out),
// splitting the last lot it touches. It returns the lots drawn and the
// queue left, sharing nothing with queue; ok is false if the queue holds
// less than amount.
func take(queue []Lot, amount domain.Fen) (drawn, rest []Lot, ok bool) {
	left := amount
	i := 0
	for ; i < len(queue) && left > 0; i++ {
		l := queue[i]
		if l.AmountFen > left {
			drawn = append(drawn, Lot{Allocation: l.Allocation, Document: l.Document, AmountFen: left})
			rest = append([]Lot{{Allocation: l.Allocation, Document: l.Document, AmountFen: l.AmountFen - left}}, queue[i+1:]...)
			return drawn, rest, true
		}
		drawn = append(drawn, l)
		left -= l.AmountFen
	}
	if left > 0 {
		return nil, nil, false
	}
	return drawn, append([]Lot(nil), queue[i:]...), true
}

// remove takes the recorded lots out of queue, each from the first queued
// lot of the same allocation and document. Folding history uses it rather
// than take, so a stream always folds to what its events say even if the
// rule that chose the lots ever changes. An error means the events
// disagree with each other.
func remove(queue []Lot, lots []Lot) ([]Lot, error) {
	q := append([]Lot(nil), queue...)
	for _, l := range lots {
		left := l.AmountFen
		for i := 0; i < len(q) && left > 0; i++ {
			if !q[i].sameSource(l) {
				continue
			}
			n := min(left, q[i].AmountFen)
			q[i].AmountFen -= n
			left -= n
		}
		if left > 0 {
			return nil, fmt.Errorf("fund: %d fen of allocation %s from %q are not in the project's lots", left, l.Allocation, l.Document)
		}
	}
	out := q[:0]
	for _, l := range q {
		if l.AmountFen > 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// restore puts lots back at the front of queue, in their order, merging a
// restored lot with the queue's first one when they share their source.
func restore(queue []Lot, lots []Lot) []Lot {
	out := append([]Lot(nil), lots...)
	if len(out) > 0 && len(queue) > 0 && out[len(out)-1].sameSource(queue[0]) {
		out[len(out)-1].AmountFen += queue[0].AmountFen
		queue = queue[1:]
	}
	return append(out, queue...)
}

// sumLots adds a project's queue. The queue holds parts of the allocations
// the project received, whose total its fold checks (addTo), so this sum
// cannot overflow; domain.Sum makes that a checked fact, not a hope.
func sumLots(lots []Lot) domain.Fen {
	var s domain.Sum
	for _, l := range lots {
		s.Add(l.AmountFen)
	}
	if s.Err("") != nil {
		panic("fund: a project's lots overflow: its fold let in more than it received")
	}
	return s.Fen()
}

// addTo returns a+b for a fold, or an error naming what would overflow: a
// fold never wraps (the rules refuse such a command before it is recorded,
// so the error means the stream holds what no decision made).
func addTo(what string, a, b domain.Fen) (domain.Fen, error) {
	s, ok := domain.AddFen(a, b)
	if !ok {
		return a, fmt.Errorf("fund: %s: %d + %d fen overflows", what, a, b)
	}
	return s, nil
}

// takeFrom returns a-b for a fold, or an error if that goes below zero (no
// balance but a source account's may) or overflows.
func takeFrom(what string, a, b domain.Fen) (domain.Fen, error) {
	s, ok := domain.SubFen(a, b)
	if !ok || s < 0 {
		return a, fmt.Errorf("fund: %s: %d - %d fen goes below zero", what, a, b)
	}
	return s, nil
}
