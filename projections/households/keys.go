package households

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// NameKeyRunesMax cuts the name suffixes the name index keeps: a query
// longer than it scans with its first NameKeyRunesMax runes and checks the
// whole query against the names in the record. Chinese names are two to four
// characters; romanised ones rarely need more to be told apart.
const NameKeyRunesMax = 16

// counterLevels are the division levels the counters keep (see CountBy).
var counterLevels = []domain.Level{domain.LevelCounty, domain.LevelTownship, domain.LevelVillage}

func fileKey(file string) []byte   { return []byte("f/" + file) }
func residentKey(id string) []byte { return []byte("r/" + id) }
func statusKey(st household.Status, file string) string {
	return "s/" + string(st) + "/" + file
}
func nameKey(suffix, file string) string { return "n/" + suffix + "\x00" + file }
func counterPrefix(level domain.Level) string {
	return fmt.Sprintf("c/%02d/", level.Digits())
}
func counterKey(level domain.Level, village string, st household.Status) string {
	return counterPrefix(level) + village[:level.Digits()] + "/" + string(st)
}
func loadKey(cadreID string) string { return "l/" + cadreID }
func complaintKey(file string, position uint64) string {
	return fmt.Sprintf("k/%s/%020d", file, position)
}

// nameSuffixes are the name-index keys of one name: each of its suffixes,
// cut to NameKeyRunesMax runes.
func nameSuffixes(name string, into map[string]bool) {
	for i := range name {
		if !utf8.RuneStart(name[i]) {
			continue
		}
		into[cutRunes(name[i:], NameKeyRunesMax)] = true
	}
}

// cutRunes returns s's first n runes.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
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
	return nil // p is all 0xff: no upper bound
}

// after is the first key after k.
func after(k string) []byte { return append([]byte(k), 0) }

func atoi(b []byte) (int, error) {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, fmt.Errorf("households: a counter holds %q: %w", b, err)
	}
	return n, nil
}
