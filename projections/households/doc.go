// Package households is the read model of filed households: their current
// status and summary for search, counts per division and status, each
// cadre's "4321" load, and the complaints that name each household (so a
// timeline can gather them). It folds household events with the domain's
// own Evolve, so the read model can never disagree with the rules about a
// status.
//
// It is a durable projections.Model: its state lives in a modelstore.Store
// under its name ("households.v2"), committed with its checkpoint in one
// batch per ApplyBatch, so a restart resumes where the last batch ended. A
// query reads committed keys only; nothing in it scans every household.
//
// # Keys
//
// Within the model's namespace (file numbers begin with their 12-digit
// village code, so a division-code prefix is a file-number prefix):
//
//	f/<file>                          → record: Summary + stream version, member names, resident IDs (JSON)
//	r/<residentID>                    → <file>                      (resident ID → household)
//	n/<name suffix>\x00<file>         → shared bytes (decimal)       (each suffix of each member's name, cut to NameKeyRunesMax runes)
//	s/<status>/<file>                 → Summary (JSON)              (status × any division prefix, in file order)
//	c/<digits>/<division>/<status>    → count (decimal)             (digits 06, 09, 12: county, township, village)
//	l/<cadreID>                       → count (decimal)             (households the cadre helps now)
//	k/<file>/<position, 20 digits>    → <complaint stream>          (complaints naming the household, in log order)
//
// Name search keeps the meaning "any member's name contains it": every
// suffix of a name is a key, so a prefix scan of n/<query> finds every name
// containing the query. Its answers come in the index's order (the matched
// part of the name, then file number), and its cursor is "<suffix>/<file>";
// a household is shown at its smallest suffix that begins with the query,
// which each name key tells without reading the record: its value is how
// many bytes it shares with the household's next smaller suffix. Every
// other search pages in file-number order with the last file number as its
// cursor; the status index holds the summaries, so such a page is one scan.
//
// # Memory
//
// The only memory the model keeps is an LRU of folded household.State
// values (at most the cacheMax given to New, HouseholdCacheMax by default),
// each valid for the stream version it was folded at: ApplyBatch needs a
// household's state to fold its next event, and on a miss folds the
// household's own stream from the events.Store (streams are short). Queries
// never need the cache, so a follower (Follow) answers from the store alone.
package households
