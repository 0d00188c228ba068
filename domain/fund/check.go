package fund

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Limits of free text and lists, in runes or items.
const (
	NameRunesMax      = 100  // names of projects, banks, holders, contractors
	DocumentRunesMax  = 100  // an appropriation's document number (文号)
	TextRunesMax      = 1000 // purposes, reasons, statements
	RefRunesMax       = 100  // approval and decision references
	DrawsMax          = 50   // appropriations one allocation cites
	VillagesMax       = 500  // villages of one project
	LotsPerPaymentMax = 200  // lots one payment may draw on
	PaymentsMax       = 999_999
	AllocationsMax    = 999_999
)

func requireText(ps *domain.Problems, field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		ps.Addf(field, CodeRequired, "is required")
		return
	}
	optionalText(ps, field, s, max)
}

func optionalText(ps *domain.Problems, field, s string, max int) {
	if !utf8.ValidString(s) {
		ps.Addf(field, CodeTooLong, "is not UTF-8")
	} else if n := utf8.RuneCountInString(s); n > max {
		ps.Addf(field, CodeTooLong, "has %d characters, above the limit of %d", n, max)
	}
}

func oneOf[T ~string](ps *domain.Problems, field string, v T, list []T) {
	switch {
	case v == "":
		ps.Addf(field, CodeRequired, "is required")
	case !slices.Contains(list, v):
		ps.Addf(field, CodeValueUnknown, "%q is not one of %v", v, list)
	}
}

func requireTime(ps *domain.Problems, field string, t time.Time) {
	if t.IsZero() {
		ps.Addf(field, CodeRequired, "is required")
	}
}

func positive(ps *domain.Problems, field string, f domain.Fen) {
	if f <= 0 {
		ps.Addf(field, CodeAmountNotPositive, "must be a positive number of fen, not %d", f)
	}
}

func requireID(ps *domain.Problems, field string, id events.ID) {
	if id.IsZero() {
		ps.Addf(field, CodeRequired, "is required")
	}
}

var (
	refShape  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`)
	hashShape = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func requireRef(ps *domain.Problems, field, s string) {
	if !refShape.MatchString(s) {
		ps.Addf(field, CodeRefFormat, "%q is not 1 to 64 letters, digits and . _ : / -", s)
	}
}
