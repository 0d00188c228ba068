package demo

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// demoShares is how the demo's households end, per 300; the rest are
// enrolled. mins holds what one story or another needs.
var demoShares = []struct {
	status   household.Status
	per300   int
	min      int
	variants []string
}{
	{household.StatusRegistered, 10, 1, nil},
	{household.StatusSurveyed, 15, 2, nil},
	{household.StatusProposed, 10, 1, nil},
	{household.StatusPublicized, 12, 2, []string{"reviewed", ""}},                          // reviewed: the county may enroll it today
	{household.StatusRejected, 15, 3, []string{"objection", "county", "review", "county"}}, // one objection upheld; see variant
	{household.StatusExitProposed, 8, 1, nil},
	{household.StatusExitPublicized, 8, 1, nil},
	{household.StatusExited, 72, 3, nil},
	{household.StatusMonitored, 15, 1, nil},
	{household.StatusReturned, 15, 1, nil},
	{household.StatusRemoved, 12, 3, []string{household.RemovalMisidentified, household.RemovalDeceased, household.RemovalMovedAway}},
}

// demoSpecials are the special parts of stories, each given to the first
// household (in planning order) that can live it.
var demoSpecials = []struct {
	name string
	fits func(h *demoHousehold) bool
}{
	{"included", func(h *demoHousehold) bool { return h.variant == household.RemovalMisidentified }},
	{"account", func(h *demoHousehold) bool { return h.round == 2014 && helpedNotRemoved(h) }},
	{"cadre", func(h *demoHousehold) bool { return h.round <= 2016 && h.track == household.StatusEnrolled }},
	{"income", func(h *demoHousehold) bool { return h.round == 2014 && helpedNotRemoved(h) }},
	{"name", func(h *demoHousehold) bool { return h.round == 2014 && helpedNotRemoved(h) }},
	{"death", func(h *demoHousehold) bool { return h.round <= 2016 && helpedNotRemoved(h) }},
	{"withdraw", func(h *demoHousehold) bool { return h.round <= 2016 && h.track == household.StatusEnrolled }},
	{"objection", func(h *demoHousehold) bool { return h.round == 2014 && helpedNotRemoved(h) }},
	{"objection", func(h *demoHousehold) bool { return helpedNotRemoved(h) }},
	{"exit-objection", func(h *demoHousehold) bool { return h.track == household.StatusExited }},
	{"excluded", func(h *demoHousehold) bool { return h.track == household.StatusRejected && h.variant == "county" }},
}

func helpedNotRemoved(h *demoHousehold) bool {
	return slices.Contains(helpedTracks, h.track) && h.track != household.StatusRemoved
}

// peopleAndTracks makes n households: each its village, final status,
// round, family, causes and the years its story turns.
func (w *demoWorld) peopleAndTracks(n int) {
	var tracks []*demoHousehold
	rest := n
	for _, s := range demoShares {
		k := max(s.min, int(math.Round(float64(s.per300*n)/300)))
		for i := range k {
			h := &demoHousehold{track: s.status}
			h.variant = variant(s.status, s.variants, i)
			tracks = append(tracks, h)
		}
		rest -= k
	}
	for range max(rest, 1) {
		tracks = append(tracks, &demoHousehold{track: household.StatusEnrolled})
	}
	w.rng.Shuffle(len(tracks), func(i, j int) { tracks[i], tracks[j] = tracks[j], tracks[i] })
	weights := make([]float64, len(w.villages))
	for i := range weights {
		weights[i] = 0.6 + 0.8*w.rng.Float64()
	}
	for _, h := range tracks {
		h.v = w.villages[w.weighted(weights)]
		h.v.households = append(h.v.households, h)
		h.round = w.roundFor(h)
		w.households = append(w.households, h)
	}
	for _, sp := range demoSpecials {
		for _, h := range w.households {
			if h.special == "" && sp.fits(h) {
				h.special = sp.name
				break
			}
		}
	}
	for _, h := range w.households {
		w.family(h)
		w.turns(h)
	}
}

// variant is the ith household's variant of status: in turn, except that
// only one rejection follows an upheld objection (objections are rare, and
// an upheld one rarer).
func variant(status household.Status, variants []string, i int) string {
	switch {
	case len(variants) == 0:
		return ""
	case status == household.StatusRejected && i > 0:
		return variants[1+(i-1)%(len(variants)-1)]
	}
	return variants[i%len(variants)]
}

func (w *demoWorld) weighted(weights []float64) int {
	var sum float64
	for _, x := range weights {
		sum += x
	}
	r := w.rng.Float64() * sum
	for i, x := range weights {
		if r -= x; r < 0 {
			return i
		}
	}
	return len(weights) - 1
}

// roundFor is the year of the household's identification round.
func (w *demoWorld) roundFor(h *demoHousehold) int {
	switch h.track {
	case household.StatusRegistered, household.StatusProposed, household.StatusPublicized:
		return w.cur
	case household.StatusSurveyed:
		return pick(w, []int{w.cur, w.cur, 2015, 2016})
	case household.StatusEnrolled:
		return pick(w, []int{2014, 2014, 2014, 2014, 2014, 2014, 2015, 2015, 2016, 2017})
	case household.StatusRemoved:
		if h.variant != household.RemovalMovedAway {
			return 2014
		}
	case household.StatusExitProposed, household.StatusExitPublicized:
		return pick(w, []int{2014, 2014, 2015, 2016})
	}
	return pick(w, []int{2014, 2014, 2014, 2014, 2014, 2014, 2014, 2015, 2015, 2015})
}

// turns are the years the household's story turns: exit, monitoring,
// return, removal, withdrawal, and its visits. Exits come by 2020, the
// programme's end; from 2021, the five consolidation years, exited
// households are monitored for the risk of returning to poverty (防止返贫
// 监测), some fall back, and those still in the file keep their support.
func (w *demoWorld) turns(h *demoHousehold) {
	// later favours the later years of lo..hi, as exits came faster towards 2020.
	later := func(lo, hi int) int { return lo + int(math.Sqrt(w.rng.Float64())*float64(hi-lo+1)) }
	switch h.track {
	case household.StatusExited:
		h.exitYear = later(h.round+1, 2020)
		if h.exitYear <= w.lastYE-2 && w.chance(0.35) {
			h.riskYear = w.between(max(h.exitYear+1, 2021), w.lastYE-1) // monitored a year, then safe again
		}
	case household.StatusMonitored:
		h.exitYear = later(h.round+1, 2020)
		h.riskFrom = w.between(max(h.exitYear+1, 2021), w.lastYE)
	case household.StatusReturned:
		h.exitYear = later(h.round+1, 2019)
		h.fallYear = w.between(max(h.exitYear+1, 2021), w.lastYE)
	case household.StatusRemoved:
		if h.special != "included" { // that one is removed on a complaint; see planComplaints
			h.removalYear = w.between(max(h.round+2, 2016), 2018)
		}
	}
	if h.special == "withdraw" {
		h.withdrawYear = w.between(h.round+1, 2018)
	}
	last := w.lastYE
	if h.removalYear > 0 {
		last = h.removalYear - 1
	}
	if slices.Contains(helpedTracks, h.track) && h.special != "cadre" && last > h.round && w.chance(0.35) {
		for range w.between(1, 2) {
			if y := w.between(h.round+1, last); !slices.Contains(h.visitYears, y) {
				h.visitYears = append(h.visitYears, y)
			}
		}
	}
}

// demoAgeDate is the day ages are counted at: the first survey season.
var demoAgeDate = date(2014, 4, 1)

// family makes the household's members, account and causes. A household
// that is to exit gets a family that can: one that could score above 80.
func (w *demoWorld) family(h *demoHousehold) {
	exits := h.exitYear > 0 || slices.Contains([]household.Status{household.StatusExited, household.StatusMonitored,
		household.StatusReturned, household.StatusExitProposed, household.StatusExitPublicized}, h.track) || h.special == "withdraw"
	for {
		switch {
		case h.variant == household.RemovalDeceased:
			h.head, h.members = w.person("head", domain.SexMale, w.between(72, 86), pick(w, demoSurnames)), nil
		case exits || h.special == "death" || h.special == "name" || w.chance(0.78):
			w.workingFamily(h)
		default:
			w.elderly(h)
		}
		if !exits || w.score(w.answers(h, 1, false)) > household.ExitPointsAbove+4 {
			break
		}
	}
	if h.special == "name" {
		h.typo = typo(h.members[0].name)
	}
	bank := pick(w, demoBanks)
	number := bank.prefix
	for len(number) < 19 {
		number += fmt.Sprint(w.rng.IntN(10))
	}
	h.account = map[string]any{"number": number, "bank": bank.name, "holderName": h.head.name}
	if h.special == "account" {
		h.right = number
		b := []byte(number)
		i := 10 + w.rng.IntN(7)
		if b[i] == b[i+1] {
			b[i+1] = '0' + (b[i+1]-'0'+3)%10
		} else {
			b[i], b[i+1] = b[i+1], b[i]
		}
		h.account["number"] = string(b)
	}
	h.causes = w.causesOf(h)
}

// typo is name with its last character misheard as another.
func typo(name string) string {
	rs := []rune(name)
	swap := map[rune]rune{'芳': '方', '英': '瑛', '兰': '蓝', '梅': '玫', '琴': '芹', '燕': '艳', '霞': '侠', '丽': '莉',
		'珍': '真', '桂': '贵', '香': '湘', '莲': '连', '菊': '局', '凤': '风', '敏': '民', '红': '虹', '艳': '燕',
		'娟': '涓', '萍': '平', '春': '纯', '秀': '绣'}
	last := rs[len(rs)-1]
	if r, ok := swap[last]; ok {
		rs[len(rs)-1] = r
	} else {
		rs[len(rs)-1] = '芬'
	}
	return string(rs)
}

func (w *demoWorld) workingFamily(h *demoHousehold) {
	surname := pick(w, demoSurnames)
	headSex := domain.SexMale
	if w.chance(0.12) {
		headSex = domain.SexFemale
	}
	age := w.between(28, 56)
	h.head = w.person("head", headSex, age, surname)
	h.members = nil
	if w.chance(0.9) {
		other := domain.SexFemale
		if headSex == domain.SexFemale {
			other = domain.SexMale
		}
		h.members = append(h.members, w.person("spouse", other, age+w.between(-4, 3), pick(w, demoSurnames)))
	}
	for range w.between(1, 3) {
		childAge := age - w.between(20, 34)
		if childAge < 0 {
			continue
		}
		h.members = append(h.members, w.person("child", pick(w, []domain.Sex{domain.SexMale, domain.SexFemale}), childAge, surname))
	}
	if h.special == "name" && len(h.members) == 0 {
		h.members = append(h.members, w.person("spouse", domain.SexFemale, age, pick(w, demoSurnames)))
	}
	if h.special == "death" || w.chance(0.3) {
		h.members = append(h.members, w.person("parent", domain.SexFemale, min(92, age+w.between(22, 30)), pick(w, demoSurnames)))
	}
}

func (w *demoWorld) elderly(h *demoHousehold) {
	surname := pick(w, demoSurnames)
	age := w.between(64, 82)
	h.head = w.person("head", domain.SexMale, age, surname)
	h.members = nil
	if w.chance(0.55) {
		h.members = append(h.members, w.person("spouse", domain.SexFemale, age-w.between(0, 5), pick(w, demoSurnames)))
	}
	if w.chance(0.3) {
		h.members = append(h.members, w.person("grandchild", pick(w, []domain.Sex{domain.SexMale, domain.SexFemale}), w.between(6, 15), surname))
	}
}

// person is a member of age (at demoAgeDate) with what people of that age
// in rural Weining typically are.
func (w *demoWorld) person(relation string, sex domain.Sex, age int, surname demoChar) demoPerson {
	birth := demoAgeDate.AddDate(-age, -w.between(0, 11), -w.between(0, 27))
	if birth.After(date(2013, 12, 31)) {
		birth = date(2013, time.Month(w.between(1, 12)), w.between(1, 28))
	}
	birth = time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	p := demoPerson{name: w.nameWith(surname, sex).han, birth: birth, sex: sex, relation: relation,
		health: "healthy", schooling: "not_in_school"}
	p.id = w.residentID(birth, sex)
	switch {
	case age < 3:
		p.education = "preschool"
	case age < 6:
		p.education, p.schooling = "preschool", "preschool"
	case age < 12:
		p.education, p.schooling = "primary", "primary"
	case age < 15:
		p.education, p.schooling = "primary", "junior_middle"
	case age < 18:
		p.education, p.schooling = "junior_middle", pick(w, []string{"senior_middle", "vocational", "dropped_out", "senior_middle"})
	case age < 22 && w.chance(0.35):
		p.education, p.schooling = "senior_middle", "college"
	case age < 45:
		p.education = pick(w, []string{"primary", "junior_middle", "junior_middle", "senior_middle"})
	case age < 60:
		p.education = pick(w, []string{"illiterate", "primary", "primary", "junior_middle"})
	default:
		p.education = pick(w, []string{"illiterate", "illiterate", "primary"})
	}
	if age >= 18 {
		switch r := w.rng.Float64(); {
		case r < 0.12+float64(age)/400:
			p.health = "chronic_illness"
		case r < 0.16+float64(age)/300:
			p.health = "serious_illness"
		case r < 0.20+float64(age)/300:
			p.health = "disabled"
		}
	}
	switch {
	case age < 16 || p.schooling != "not_in_school" || p.health == "serious_illness" || p.health == "disabled" || age >= 72:
		p.labour = household.LabourNone
	case age >= 60 || p.health == "chronic_illness":
		p.labour = household.LabourPartial
	default:
		p.labour = household.LabourFull
	}
	return p
}

// causesOf is why the household is poor: what its members show first, then
// the village's common causes.
func (w *demoWorld) causesOf(h *demoHousehold) household.CauseList {
	var cs []string
	add := func(c string) {
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	able := 0
	for _, p := range append([]demoPerson{h.head}, h.members...) {
		switch p.health {
		case "chronic_illness", "serious_illness":
			add(household.CauseIllness)
		case "disabled":
			add(household.CauseDisability)
		}
		if p.schooling == "senior_middle" || p.schooling == "vocational" || p.schooling == "college" {
			add(household.CauseEducation)
		}
		if p.labour != household.LabourNone {
			able++
		}
	}
	if able*5 < 2*(1+len(h.members)) {
		add(household.CauseLabour)
	}
	common := []string{household.CauseSkills, household.CauseCapital, household.CauseTransport, household.CauseLand,
		household.CauseWater, household.CauseDisaster, household.CauseMarriage, household.CauseMotivation, household.CauseSkills}
	for len(cs) < 2 || (len(cs) < 3 && w.chance(0.4)) {
		add(pick(w, common))
	}
	return household.CauseList{Main: cs[0], Others: cs[1:]}
}
