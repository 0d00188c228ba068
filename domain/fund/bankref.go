package fund

import (
	"context"
	"fmt"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// One bank reference settles at most one payment. Each bank reference has
// a stream holding the payment it settled; a settlement appends
// BankRefUsed to it at the version read, in the same atomic append as the
// payment's settlement (domain.ExecuteMulti), so two payments racing for
// one bank reference (a bank file listing a transfer twice, or two files at
// once) cannot both be settled by it.

// TypeBankRefUsed is the event of a bank reference's stream.
const TypeBankRefUsed = "bankref.used.v1"

// BankRefStreamPrefix begins the stream of a bank reference.
const BankRefStreamPrefix = "bankref-"

// CodeBankRefUsed refuses a bank reference that settled another payment.
const CodeBankRefUsed = "bank_ref_used"

var bankRefNamespace = events.MustParseID("c4a7e0d2-1b39-4f5e-8a62-d93f7b0e5c18")

// BankRefStream is the stream of a bank reference, named by a UUID derived
// from it (a bank's reference is free text).
func BankRefStream(bankRef string) string {
	return BankRefStreamPrefix + events.DeriveID(bankRefNamespace, bankRef).String()
}

// BankRefUsed records the payment a bank reference settled.
type BankRefUsed struct {
	BankRef    string `json:"bankRef"`
	Project    string `json:"project"`
	PaymentRef string `json:"paymentRef"`
}

func (*BankRefUsed) EventType() string { return TypeBankRefUsed }

func (e *BankRefUsed) Validate() error {
	var ps domain.Problems
	for _, f := range []struct{ name, v string }{{"bankRef", e.BankRef}, {"project", e.Project}, {"paymentRef", e.PaymentRef}} {
		if f.v == "" || len(f.v) > 200 {
			ps.Addf(f.name, "required", "%s is required, at most 200 bytes", f.name)
		}
	}
	return ps.Err()
}

// settle runs a SettlePayment with the bank-reference rule; decide is the
// project's own decision (HandleProject's).
func (s *Service) settle(ctx context.Context, req domain.Request, id ProjectID, c SettlePayment, decide func(Project) ([]events.Payload, error)) (domain.Result, error) {
	var p Project
	var used *BankRefUsed
	ps, bs := ProjectStream(id), BankRefStream(c.BankRef)
	views := []domain.View{
		domain.ViewOf(ps, ProjectAggregate, &p),
		{Stream: bs, Reset: func() { used = nil }, Evolve: func(_ events.Event, pl events.Payload) error {
			u, ok := pl.(*BankRefUsed)
			if !ok {
				return fmt.Errorf("fund: %s on a bank reference's stream", pl.EventType())
			}
			if used == nil {
				used = u
			}
			return nil
		}},
	}
	return domain.ExecuteMulti(ctx, s.x, req, views, func() ([]domain.Emit, error) {
		payloads, err := decide(p)
		if err != nil {
			return nil, err
		}
		if used != nil && (used.Project != id.String() || used.PaymentRef != c.Ref) {
			return nil, errorf(CodeBankRefUsed, "bank reference %q already settled payment %s of project %s", c.BankRef, used.PaymentRef, used.Project)
		}
		emits := []domain.Emit{{Stream: ps, Payloads: payloads}}
		if used == nil && len(payloads) > 0 {
			emits = append(emits, domain.Emit{Stream: bs, Payloads: []events.Payload{&BankRefUsed{BankRef: c.BankRef, Project: id.String(), PaymentRef: c.Ref}}})
		}
		return emits, nil
	})
}
