package commandbench_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events/embedded"
)

// world is the reconcile test world on an embedded store under a
// temporary directory, holding fen.
func world(b *testing.B, fen int64) *rt.World {
	b.Helper()
	reg := rt.Registry()
	store, err := embedded.Open(b.TempDir(), reg, embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return rt.NewOn(b, store, reg, domain.Fen(fen))
}

// instruct instructs a further installment of 1 yuan to household n.
func instruct(ctx context.Context, w *rt.World, n int) (domain.Result, error) {
	return w.Fund.HandleProject(ctx, rt.As(domain.RoleCountyFinance, rt.Later), w.Project, fund.InstructPayment{Payee: fund.PayeeHousehold,
		Household: rt.File(n).String(), AmountFen: 100, Purpose: fund.PurposeProductionSubsidy, Period: "2026", Installment: true})
}

// BenchmarkInstructPayments is one payment instructed on a project whose
// stream holds length events already, with the aggregate cache and
// without it: with it the time per command does not grow with the
// stream, without it every command folds the whole stream.
func BenchmarkInstructPayments(b *testing.B) {
	const households = 20
	for _, length := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("length=%d", length), func(b *testing.B) {
			w := world(b, 1_000_000_000)
			for n := 1; n <= households; n++ {
				w.Household(b, n, 100)
			}
			ctx := context.Background()
			for i := 0; ; i++ {
				res, err := instruct(ctx, w, 1+i%households)
				if err != nil {
					b.Fatal(err)
				}
				if res.Version >= uint64(length) {
					break
				}
			}
			cache := w.X.Cache
			for _, mode := range []string{"cache", "nocache"} {
				b.Run(mode, func(b *testing.B) {
					w.X.Cache = cache
					if mode == "nocache" {
						w.X.Cache = domain.NewCache(0, 0)
					}
					i := 0
					for b.Loop() {
						if _, err := instruct(ctx, w, 1+i%households); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

// BenchmarkImportBankFile imports a bank file of lines lines, each
// settling one payment of the project (one command per line, each under
// its line's idempotency key and its bank reference's rule), end to end
// through the reconcile service; the ledger is built before the timer, a
// new one for each file.
func BenchmarkImportBankFile(b *testing.B) {
	for _, lines := range []int{100, 1_100} {
		for _, mode := range []string{"cache", "nocache"} {
			b.Run(fmt.Sprintf("lines=%d/%s", lines, mode), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					w, data := ledger(b, lines)
					if mode == "nocache" {
						w.X.Cache = domain.NewCache(0, 0)
					}
					b.StartTimer()
					r, err := w.Reconcile.Import(context.Background(), rt.Finance(), "weining.csv", data)
					if err != nil {
						b.Fatal(err)
					}
					if r.Lines != lines {
						b.Fatalf("report of %d lines; want %d", r.Lines, lines)
					}
				}
			})
		}
	}
}

// ledger is a project with lines payments of 12 yuan, two to each
// household (the second a further installment), and the bank file that
// settles them all.
func ledger(b *testing.B, lines int) (*rt.World, []byte) {
	b.Helper()
	w := world(b, int64(lines)*1_200)
	ctx := context.Background()
	var csv []string
	for i := range lines {
		n := 1 + i/2
		var ref string
		if i%2 == 0 {
			ref = w.Household(b, n, 1_200)
		} else {
			res, err := w.Fund.HandleProject(ctx, rt.As(domain.RoleCountyFinance, rt.Later), w.Project, fund.InstructPayment{Payee: fund.PayeeHousehold,
				Household: rt.File(n).String(), AmountFen: 1_200, Purpose: fund.PurposeProductionSubsidy, Period: "2026", Installment: true})
			if err != nil {
				b.Fatal(err)
			}
			p, err := w.Reg.Decode(res.Events[0])
			if err != nil {
				b.Fatal(err)
			}
			ref = p.(*fund.PaymentInstructed).Ref
		}
		csv = append(csv, rt.Line(ref, fmt.Sprint("RCC-", i+1), n, "12.00", "settled", ""))
	}
	return w, rt.CSV(csv...)
}
