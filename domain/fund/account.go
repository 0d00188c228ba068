package fund

import (
	"regexp"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// AccountID names one account of the double-entry ledger: its kind, a colon
// and its owner ("pool:520526", "project:520526-2026-0042",
// "household:520526104201-0007"). Every fen is always in exactly one
// account; Transfer moves it.
type AccountID string

// The kinds of account. A source is where money enters the ledger: it is
// debited by appropriations and is the only kind whose balance goes below
// zero (its balance is minus what it has paid in). Transit is money a bank
// holds between a payment's instruction and its settlement; one transit
// account per project, so that it lives on the project's stream.
const (
	KindSource     = "source"
	KindPool       = "pool"
	KindProject    = "project"
	KindTransit    = "transit"
	KindHousehold  = "household"
	KindContractor = "contractor"
)

// SourceAccount is the account of the appropriations of one source level.
func SourceAccount(l Level) AccountID { return AccountID(KindSource + ":" + string(l)) }

// PoolAccount is a county pool's account.
func PoolAccount(county County) AccountID { return AccountID(KindPool + ":" + county.String()) }

// ProjectAccount is a project's account.
func ProjectAccount(p ProjectID) AccountID { return AccountID(KindProject + ":" + p.String()) }

// TransitAccount holds a project's payments between instruction and
// settlement.
func TransitAccount(p ProjectID) AccountID { return AccountID(KindTransit + ":" + p.String()) }

// HouseholdAccount is a household's account: what it received.
func HouseholdAccount(f domain.FileNumber) AccountID {
	return AccountID(KindHousehold + ":" + f.String())
}

// ContractorAccount is a contractor's or cooperative's account.
func ContractorAccount(id string) AccountID { return AccountID(KindContractor + ":" + id) }

// Kind is the account's kind, the part before the colon.
func (a AccountID) Kind() string {
	k, _, _ := strings.Cut(string(a), ":")
	return k
}

// Owner is the part after the colon.
func (a AccountID) Owner() string {
	_, o, _ := strings.Cut(string(a), ":")
	return o
}

// IsSource reports whether a is a source account, the only kind that may
// have a negative balance.
func (a AccountID) IsSource() bool { return a.Kind() == KindSource }

var accountShape = regexp.MustCompile(`^(source|pool|project|transit|household|contractor):[A-Za-z0-9._-]{1,64}$`)

// Transfer is one movement of money: AmountFen leaves DebitAccount and
// enters CreditAccount. A balance is credits minus debits, so the sum of all
// balances is always zero. Every event that moves money carries exactly one
// Transfer in its JSON ("transfer"), so a read model can keep balances
// without knowing the event types.
type Transfer struct {
	DebitAccount  AccountID  `json:"debitAccount"`
	CreditAccount AccountID  `json:"creditAccount"`
	AmountFen     domain.Fen `json:"amountFen"`
}

// Mover is an event payload that moves money.
type Mover interface {
	events.Payload
	Movement() Transfer
}

// check records problems with t, which must move a positive amount from
// debit to credit. It runs only when no other field is wrong: a transfer
// is derived from the event's other fields, so its problems would only echo
// theirs under a name the request never had (transfer.amountFen).
func (t Transfer) check(ps *domain.Problems, debit, credit AccountID, amount domain.Fen) {
	if len(*ps) > 0 {
		return
	}
	for _, a := range []AccountID{t.DebitAccount, t.CreditAccount} {
		if !accountShape.MatchString(string(a)) {
			ps.Addf("transfer", CodeAccountFormat, "account %q is not kind:owner", a)
		}
	}
	if t.DebitAccount != debit || t.CreditAccount != credit || t.AmountFen != amount {
		ps.Addf("transfer", CodeTransferMismatch, "transfer %s → %s of %d fen should be %s → %s of %d fen",
			t.DebitAccount, t.CreditAccount, t.AmountFen, debit, credit, amount)
	}
	if t.AmountFen <= 0 {
		ps.Addf("transfer.amountFen", CodeAmountNotPositive, "a transfer moves a positive amount, not %d fen", t.AmountFen)
	}
}

// BankAccount is a payee's bank account as it was when a payment was
// instructed: the "one card" (一卡通) of a household, or a contractor's
// account. It is copied into the payment so that the bank file and the
// reconciliation match what was instructed, whatever changes later.
type BankAccount struct {
	Number     string `json:"number"`
	Bank       string `json:"bank"`
	HolderName string `json:"holderName"`
}

// Bank account numbers are 10 to 30 digits, as in the household file.
const (
	AccountDigitsMin = 10
	AccountDigitsMax = 30
)

func (b BankAccount) check(ps *domain.Problems, field string) {
	n := len(b.Number)
	if n < AccountDigitsMin || n > AccountDigitsMax || strings.Trim(b.Number, "0123456789") != "" {
		ps.Addf(field+".number", CodeAccountFormat, "a bank account number is %d to %d digits", AccountDigitsMin, AccountDigitsMax)
	}
	requireText(ps, field+".bank", b.Bank, NameRunesMax)
	requireText(ps, field+".holderName", b.HolderName, NameRunesMax)
}
