// Package scorecard scores a household against a versioned scorecard: the
// multidimensional survey (Weining's "four views", 四看) that decides, with
// the income line, who is identified as poor, and that is used again at year
// end to decide who may exit.
//
// A Card is data, not code: a JSON file listing indicators, their items, and
// each item's scoring rule as bands over a numeric answer or points per
// option, with sums, maxima and caps. The Weining card ships embedded (see
// Builtin, Default and cards/README.md); more are loaded with Load or
// LoadDir from files the caller opens, so a county can add its own card
// without a release and the package stays pure (no I/O of its own).
//
// Score checks the raw answers, naming every missing or bad one at once, and
// returns an Assessment holding the card's id and version, the answers, each
// item's and indicator's points, the total and the standing. Stored in an
// event, an Assessment can be recomputed and verified years later (Verify).
package scorecard
