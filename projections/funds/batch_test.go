package funds_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/projections"
	"github.com/drip-ledger/drip/projections/funds"
)

// TestBatchesOfAnySizeGiveTheSameAnswers: given the story's log, when it
// is folded through ApplyBatch in batches of 1, 7 and all — each household
// refolded from the log, the view's cache of states being new each time —
// then the drip trails, the village and the balances are the same.
func TestBatchesOfAnySizeGiveTheSameAnswers(t *testing.T) {
	w, zhang, li := story(t)
	evs, err := w.store.ReadAll(context.Background(), 1, events.ReadEventsMax)
	if err != nil {
		t.Fatal(err)
	}
	answer := func(v *funds.View) string {
		j := must(domain.ParseJurisdiction(villageText))
		var out []any
		for _, f := range []domain.FileNumber{zhang, li} {
			tr, err := v.DripTrail(j, f, 0, funds.PageLenMax)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tr)
		}
		vil, err := v.Village(j, village, "", funds.PageLenMax)
		if err != nil {
			t.Fatal(err)
		}
		sum, overdrawn := v.Conservation()
		b, _ := json.Marshal(append(out, vil, sum, overdrawn))
		return string(b)
	}
	want := answer(w.fold())
	for _, size := range []int{1, 7, len(evs)} {
		v := must(funds.New(w.reg, w.store))
		for i := 0; i < len(evs); i += size {
			var batch []projections.Decoded
			for _, ev := range evs[i:min(i+size, len(evs))] {
				batch = append(batch, projections.Decoded{Event: ev})
			}
			if err := v.ApplyBatch(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
		}
		if cp, _ := v.Checkpoint(context.Background()); cp != evs[len(evs)-1].Position {
			t.Errorf("batches of %d: checkpoint %d", size, cp)
		}
		if got := answer(v); got != want {
			t.Errorf("batches of %d:\n got %s\nwant %s", size, got, want)
		}
	}
}
