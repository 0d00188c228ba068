package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// Each household lives one story, chosen by the status it is to end in (its
// track) and a few special parts (an objection, a correction, a death…).
// The story is planned in time order, household by household; run sends all
// of them interleaved by time.

type demoHousehold struct {
	v       *demoVillage
	file    string // given once every registration date is known
	track   household.Status
	variant string // how a rejected or removed household got there
	special string // the one special part of its story, if any
	round   int    // the year of its identification round (2020: surveyed 2019, appraised 2020)
	head    demoPerson
	members []demoPerson
	typo    string // a member's name as mistyped at registration (special "name")
	account map[string]any
	right   string // the account number as it should have been (special "account")
	causes  household.CauseList
	cadre   *demoCadre
	last    time.Time // the last step planned, so the next comes after it

	objectionN, measureN int // objections raised and measures planned so far

	exitYear, riskYear, riskFrom, fallYear, withdrawYear, removalYear int
	visitYears                                                        []int

	registeredAt, enrolledAt, exitedAt, returnedAt time.Time
	// accountFixedAt is when the county corrected a mistyped account
	// (special "account"), after which the subsidy is paid again.
	accountFixedAt time.Time

	// Recorded when the registration and first survey are sent, for the
	// corrections that name them.
	regID, surveyID events.ID
}

// after is t, or just after the household's last planned step if t is not
// later; it becomes the last step.
func (h *demoHousehold) after(t time.Time) time.Time {
	if !t.After(h.last) {
		t = h.last.Add(time.Duration(7+len(h.file)%5) * time.Minute)
	}
	h.last = t
	return t
}

func (h *demoHousehold) path(suffix string) func() string {
	return func() string { return "/households/" + h.file + suffix }
}

// helpedTracks end in a status the household reached by being enrolled.
var helpedTracks = []household.Status{household.StatusEnrolled, household.StatusExitProposed, household.StatusExitPublicized,
	household.StatusExited, household.StatusMonitored, household.StatusReturned, household.StatusRemoved}

// soon is t plus a few minutes to a few hours: one of a batch of the same
// kind handled one after the other.
func (w *demoWorld) soon(t time.Time) time.Time {
	return t.Add(time.Duration(w.rng.IntN(240)) * time.Minute)
}

func (w *demoWorld) script(h *demoHousehold) {
	v := h.v
	switch h.track {
	case household.StatusRegistered:
		w.register(h, w.ago(4, 50))
	case household.StatusSurveyed, household.StatusProposed, household.StatusPublicized:
		r := w.round(v, h.round)
		w.register(h, w.dayIn(r.surveyFrom, r.surveyTo))
		year, band := h.round, bandNotPoor
		if h.round == w.cur {
			year, band = w.cur-1, bandPoor
			if h.track == household.StatusSurveyed && w.chance(0.4) {
				band = bandNotPoor
			}
		}
		w.assess(h, w.later(h.last, 0, 4), household.KindInitial, year, band)
		if h.track == household.StatusSurveyed {
			return
		}
		w.propose(h, r)
		if h.track == household.StatusPublicized && h.variant == "reviewed" {
			// Posted earlier, passed by the township: the county may
			// enroll it today.
			end := w.publicize(h, w.ago(13, 14), household.PublicityDaysMin)
			w.review(h, w.later(end, 1, 2), true, "程序规范，材料齐全 / procedure followed, file complete")
		} else if h.track == household.StatusPublicized {
			w.publicize(h, r.publicity, r.publicityDays) // open today
		}
	case household.StatusRejected:
		w.rejected(h)
	default:
		w.helped(h)
	}
}

// round is the village's identification round of year.
func (w *demoWorld) round(v *demoVillage, year int) *demoRound {
	if r, ok := v.rounds[year]; ok {
		return r
	}
	r := &demoRound{publicityDays: household.PublicityDaysMin}
	if w.chance(0.3) {
		r.publicityDays = 10
	}
	switch year {
	case w.cur: // the round under way: surveyed some months ago, in publicity today
		r.surveyFrom, r.surveyTo = w.today.AddDate(0, 0, -110), w.today.AddDate(0, 0, -60)
		r.appraisal = w.ago(22, 30)
		r.publicity, r.publicityDays = w.ago(2, 3), household.PublicityDaysMin
	case 2014:
		r.surveyFrom, r.surveyTo = date(2014, 4, 1), date(2014, 4, 28)
		r.appraisal = w.dayIn(date(2014, 5, 8), date(2014, 5, 20))
	default:
		r.surveyFrom, r.surveyTo = date(year, 3, 2), date(year, 4, 10)
		r.appraisal = w.dayIn(date(year, 5, 6), date(year, 5, 20))
	}
	if year != w.cur {
		r.publicity = w.later(r.appraisal, 2, 4)
		r.review = w.later(r.publicity.AddDate(0, 0, r.publicityDays), 2, 5)
		r.decision = w.later(r.review, 4, 10)
		r.decisionRef = w.decisionRef("威扶办发", year)
	}
	v.rounds[year] = r
	return r
}

// yearEnd is the day of the village's reassessment of year.
func (w *demoWorld) yearEnd(v *demoVillage, year int) time.Time {
	if t, ok := v.yearEnd[year]; ok {
		return t
	}
	t := w.dayIn(date(year, 11, 20), date(year, 12, 6))
	v.yearEnd[year] = t
	return t
}

// The identification procedure.

func (w *demoWorld) register(h *demoHousehold, at time.Time) {
	at = h.after(at)
	h.registeredAt = at
	w.post(at, h.v.enumerator, func() string { return "/households" }, func() any {
		members := make([]any, len(h.members))
		for i, m := range h.members {
			b := m.body()
			if i == 0 && h.typo != "" {
				b["name"] = h.typo
			}
			members[i] = b
		}
		return map[string]any{"fileNumber": h.file, "village": h.v.code, "head": h.head.body(), "members": members, "account": h.account}
	}, func(r api.CommandResponse) { h.regID = mustID(r.Events[0].ID) })
}

func (w *demoWorld) assess(h *demoHousehold, at time.Time, kind string, year int, b demoBand) {
	body := w.assessment(h, kind, year, b)
	w.post(h.after(at), h.v.enumerator, h.path("/assessments"), func() any { return body }, func(r api.CommandResponse) {
		if h.surveyID.IsZero() {
			h.surveyID = mustID(r.Events[0].ID)
		}
	})
}

func (w *demoWorld) appraisal(at time.Time, v *demoVillage) map[string]any {
	n := w.between(28, 90)
	against := w.between(0, n/8)
	return map[string]any{"heldAt": at, "participants": n, "votesFor": n - against - w.between(0, 3), "votesAgainst": against,
		"minutesRef": fmt.Sprintf("民主评议记录/%s/%s", v.code, at.Format(time.DateOnly))}
}

func (w *demoWorld) propose(h *demoHousehold, r *demoRound) {
	body := map[string]any{"appraisal": w.appraisal(r.appraisal, h.v), "causes": h.causes}
	w.post(h.after(w.soon(r.appraisal)), h.v.committee, h.path("/propose"), func() any { return body }, nil)
}

// publicize posts the household on the village's list from start for days.
func (w *demoWorld) publicize(h *demoHousehold, start time.Time, days int) time.Time {
	end := start.AddDate(0, 0, days)
	body := map[string]any{"startsAt": start, "endsAt": end, "place": h.v.name + "村务公开栏 / village notice board"}
	w.post(h.after(w.soon(start)), h.v.committee, h.path("/publicity"), func() any { return body }, nil)
	return end
}

// objection records an objection raised during the publicity from start to
// end, and the township's resolution of it once the publicity is over.
func (w *demoWorld) objection(h *demoHousehold, start, end time.Time, upheld bool, statement, reason string) {
	raised := h.after(w.later(start, 1, 4))
	if !raised.Before(end) {
		raised = h.after(start.Add(time.Hour))
	}
	h.objectionN++
	n := h.objectionN
	w.post(raised, h.v.committee, h.path("/objections"), func() any {
		return map[string]any{"raisedBy": w.villager(), "statement": statement}
	}, nil)
	outcome := household.OutcomeDismissed
	if upheld {
		outcome = household.OutcomeUpheld
	}
	w.post(h.after(end.Add(90*time.Minute)), h.v.town.official, h.path(fmt.Sprintf("/objections/%d/resolve", n)),
		func() any { return map[string]any{"outcome": outcome, "reason": reason} }, nil)
}

// villager is a name of someone from the village, drawn when planned.
func (w *demoWorld) villager() string { return w.name(domain.SexMale).han }

func (w *demoWorld) review(h *demoHousehold, at time.Time, passed bool, opinion string) {
	w.post(h.after(at), h.v.town.official, h.path("/review"), func() any {
		return map[string]any{"passed": passed, "opinion": opinion}
	}, nil)
}

func (w *demoWorld) rejected(h *demoHousehold) {
	r := w.round(h.v, h.round)
	w.identifyToPublicity(h, r)
	end := r.publicity.AddDate(0, 0, r.publicityDays)
	reasons := pick(w, demoRejectReasons)
	switch h.variant {
	case "objection":
		w.objection(h, r.publicity, end, true, "他家在县城开有建材店 / they run a building-materials shop in the county town",
			"经村组核实，异议属实 / verified by the village: the shop is theirs")
		reasons = []string{"公示期间群众异议经核实成立 / an objection during the publicity was verified"}
	case "review":
		w.review(h, w.soon(r.review), false, "人均纯收入测算偏低，复核后高于扶贫标准 / income underestimated; above the line once recounted")
		w.post(h.after(w.later(r.review, 1, 3)), h.v.town.official, h.path("/reject"), func() any {
			return map[string]any{"reasons": []string{"乡镇审核未通过 / failed the township's review"}}
		}, nil)
		return
	default:
		w.review(h, w.soon(r.review), true, "程序规范 / procedure followed")
	}
	w.post(h.after(w.soon(r.decision)), w.pao, h.path("/reject"), func() any { return map[string]any{"reasons": reasons} }, nil)
}

func (w *demoWorld) identifyToPublicity(h *demoHousehold, r *demoRound) {
	w.register(h, w.dayIn(r.surveyFrom, r.surveyTo))
	next := h.last.Add(time.Duration(w.between(20, 120)) * time.Minute)
	if w.chance(0.4) {
		next = w.later(h.last, 1, 4)
	}
	w.assess(h, next, household.KindInitial, h.round, bandPoor)
	w.propose(h, r)
	w.publicize(h, r.publicity, r.publicityDays)
}

// helped is the story of a household enrolled in its round: help, a yearly
// reassessment, and what its track holds (exit, monitoring, return, removal).
func (w *demoWorld) helped(h *demoHousehold) {
	r := w.round(h.v, h.round)
	w.identifyToPublicity(h, r)
	if h.special == "objection" {
		o := pick(w, demoObjections)
		w.objection(h, r.publicity, r.publicity.AddDate(0, 0, r.publicityDays), false, o.statement, o.reason)
	}
	w.review(h, w.soon(r.review), true, "程序规范，材料齐全 / procedure followed, file complete")
	h.enrolledAt = h.after(w.soon(r.decision))
	w.post(h.enrolledAt, w.pao, h.path("/enroll"), func() any { return map[string]any{"decisionRef": r.decisionRef} }, nil)
	w.help(h, h.enrolledAt)
	last := w.lastYE
	switch {
	case h.removalYear > 0:
		last = h.removalYear
	case h.special == "included":
		last = h.round // removed after a complaint; see planComplaints
	}
	for y := h.round; y <= last; y++ {
		if y > h.round {
			w.midYear(h, y)
		}
		if y == h.removalYear {
			w.remove(h, y)
			return
		}
		w.yearEndOf(h, y)
	}
	if h.track == household.StatusExitProposed || h.track == household.StatusExitPublicized {
		w.exitNow(h)
	}
}

// help assigns the household's cadre and plans its measures.
func (w *demoWorld) help(h *demoHousehold, enrolled time.Time) {
	h.cadre = w.cadreFor(h.v)
	c := *h.cadre
	at := h.after(w.later(enrolled, 7, 40))
	w.post(at, h.v.town.official, h.path("/cadre"), func() any {
		return map[string]any{"cadre": map[string]any{"id": c.id, "name": c.name, "rank": c.rank}}
	}, nil)
	causes := append([]string{h.causes.Main}, h.causes.Others...)
	for i, cause := range causes[:min(2, len(causes))] {
		ms := demoMeasures[cause]
		if len(ms) == 0 {
			continue
		}
		w.measure(h, w.later(at, 3+i*10, 30+i*10), ms[w.rng.IntN(len(ms))])
	}
	if h.special == "income" {
		w.correctSurvey(h, w.later(h.last, 20, 40))
	}
}

func (w *demoWorld) measure(h *demoHousehold, at time.Time, m demoMeasure) {
	at = h.after(at)
	h.measureN++
	body := map[string]any{"measureId": fmt.Sprintf("M%d-%02d", at.Year(), h.measureN), "kind": m.kind, "description": m.description}
	if m.project != "" {
		body["projectRef"] = fmt.Sprintf(m.project, at.Year())
	}
	w.post(at, h.v.town.official, h.path("/measures"), func() any { return body }, nil)
}

// midYear is what happens in the household between two reassessments.
func (w *demoWorld) midYear(h *demoHousehold, y int) {
	if h.special == "name" && y == 2015 {
		w.correctName(h, w.dayIn(date(2015, 3, 2), date(2015, 3, 27)))
	}
	if h.special == "death" && y == 2018 {
		w.death(h, h.members[len(h.members)-1], w.dayIn(date(2018, 2, 1), date(2018, 2, 28)))
	}
	for _, vy := range h.visitYears {
		if vy == y {
			w.visit(h, w.dayIn(date(y, 4, 10), date(y, 9, 25)))
		}
	}
}

// bandFor is the kind of result the household's reassessment of y has.
func (h *demoHousehold) bandFor(y, lastYE int) demoBand {
	switch {
	case y == h.exitYear || y == h.withdrawYear:
		return bandExit
	case h.exitYear > 0 && y > h.exitYear && (h.fallYear == 0 || y < h.fallYear):
		if y == h.riskYear || (h.riskFrom > 0 && y >= h.riskFrom) {
			return bandRisk
		}
		return bandExit
	case y == h.fallYear:
		return bandPoor
	case y == lastYE && (h.track == household.StatusExitProposed || h.track == household.StatusExitPublicized):
		return bandExit
	}
	return bandStay
}

func (w *demoWorld) yearEndOf(h *demoHousehold, y int) {
	at := h.after(w.soon(w.yearEnd(h.v, y)))
	w.assess(h, at, household.KindReassessment, y, h.bandFor(y, w.lastYE))
	switch y {
	case h.exitYear:
		w.exit(h, at, y)
	case h.withdrawYear:
		w.proposeExit(h, w.later(at, 2, 4), y)
		w.post(h.after(w.later(at, 30, 45)), h.v.town.official, h.path("/exit/withdraw"), func() any {
			return map[string]any{"reason": "户主突发脑梗住院，退出暂缓 / the head had a stroke; the exit is postponed"}
		}, nil)
	case h.fallYear:
		w.backToPoverty(h, w.later(at, 8, 20), y)
	}
}

func (w *demoWorld) proposeExit(h *demoHousehold, at time.Time, y int) {
	w.post(h.after(at), h.v.committee, h.path("/exit/propose"), func() any {
		return map[string]any{"reason": fmt.Sprintf("%d年末复核得分超过80分，人均纯收入稳定超过扶贫标准 / scored above 80 at the %d reassessment, income steadily above the line", y, y)}
	}, nil)
}

// exit runs the whole exit procedure after the reassessment at at.
func (w *demoWorld) exit(h *demoHousehold, at time.Time, y int) {
	w.proposeExit(h, w.later(at, 2, 4), y)
	appraised := h.after(w.later(h.last, 1, 3))
	body := map[string]any{"appraisal": w.appraisal(appraised.Add(-2*time.Hour), h.v)}
	w.post(appraised, h.v.committee, h.path("/exit/appraise"), func() any { return body }, nil)
	start := appraised.Add(time.Hour)
	end := w.publicize(h, start, household.PublicityDaysMin)
	if h.special == "exit-objection" {
		w.objection(h, start, end, false, "他家还欠着看病的钱 / they still owe money for medical bills",
			"医疗欠款已由大病保险报销结清 / the debt was settled by critical-illness insurance")
	}
	verified := h.after(w.later(end, 1, 2))
	w.post(verified, h.v.town.official, h.path("/exit/verify"), func() any {
		var out []map[string]any
		for _, ind := range household.ExitIndicators() {
			out = append(out, map[string]any{"indicator": ind, "met": true,
				"evidenceRef": fmt.Sprintf("退出核验/%d/%s/%s", y, h.file, ind)})
		}
		return map[string]any{"indicators": out}
	}, nil)
	signer := h.head.id
	w.post(h.after(w.later(verified, 1, 1)), h.v.committee, h.path("/exit/agree"), func() any {
		return map[string]any{"signedBy": signer, "signatureRef": fmt.Sprintf("脱贫确认书/%d/%s", y, h.file)}
	}, nil)
	h.exitedAt = h.after(w.later(h.last, 2, 5))
	ref := w.decisionRef("威扶退", y)
	w.post(h.exitedAt, w.pao, h.path("/exit/approve"), func() any { return map[string]any{"decisionRef": ref} }, nil)
}

// exitNow starts the exit the last year-end reassessment allows; it is
// still under way today.
func (w *demoWorld) exitNow(h *demoHousehold) {
	w.proposeExit(h, w.ago(12, 20), w.lastYE)
	if h.track != household.StatusExitPublicized {
		return
	}
	appraised := h.after(w.later(h.last, 1, 3))
	body := map[string]any{"appraisal": w.appraisal(appraised.Add(-2*time.Hour), h.v)}
	w.post(appraised, h.v.committee, h.path("/exit/appraise"), func() any { return body }, nil)
	w.publicize(h, appraised.Add(time.Hour), household.PublicityDaysMin)
}

func (w *demoWorld) backToPoverty(h *demoHousehold, at time.Time, y int) {
	main := pick(w, []string{household.CauseIllness, household.CauseDisaster, household.CauseIllness})
	h.returnedAt = h.after(at)
	ref := w.decisionRef("威扶返贫", y)
	w.post(h.returnedAt, w.pao, h.path("/return"), func() any {
		return map[string]any{"causes": map[string]any{"main": main}, "decisionRef": ref}
	}, nil)
	w.measure(h, w.later(at, 5, 20), demoMeasures[main][0])
	if w.story.returned == nil {
		w.story.returned = h
	}
}

func (w *demoWorld) visit(h *demoHousehold, at time.Time) {
	seen := pick(w, demoVisitSeen)
	line, _ := w.lines.Line(at.Year() - 1)
	income := int64(float64(line/100)*(0.8+w.rng.Float64())) * 100
	body := map[string]any{"cadreId": h.cadre.id, "seen": seen, "handbookFilled": true, "netIncomePerCapitaFen": income,
		"concerns": []string{pick(w, demoConcerns)}, "help": []household.Help{pick(w, demoHelp)},
		"signatures": map[string]any{"cadreRef": fmt.Sprintf("帮扶手册/%s/%s/干部签字", h.cadre.id, at.Format(time.DateOnly)),
			"householdRef": fmt.Sprintf("帮扶手册/%s/%s/户主签字", h.head.name, at.Format(time.DateOnly))}}
	w.post(h.after(at), h.v.committee, h.path("/visits"), func() any { return body }, nil)
}

func (w *demoWorld) death(h *demoHousehold, p demoPerson, died time.Time) {
	body := map[string]any{"residentId": p.id, "diedOn": died.Format(time.DateOnly),
		"evidenceRef": fmt.Sprintf("居民死亡医学证明/%s/%d", h.v.code, w.between(1000, 9999))}
	w.post(h.after(w.later(died, 7, 20)), h.v.committee, h.path("/deaths"), func() any { return body }, nil)
}

// remove takes the household off the file in y: its head died (it lived
// alone) or it moved away.
func (w *demoWorld) remove(h *demoHousehold, y int) {
	explanation, evidence := "全家户籍迁往浙江省宁波市 / the whole family moved its registration to Ningbo, Zhejiang",
		fmt.Sprintf("户口迁移证/%d/%d", y, w.between(10000, 99999))
	day := w.dayIn(date(y, 3, 1), date(y, 7, 31))
	switch h.variant {
	case household.RemovalDeceased:
		w.death(h, h.head, day)
		explanation, evidence = "户主去世，该户为单人户 / the head, who lived alone, died", fmt.Sprintf("火化证明/%d/%d", y, w.between(100, 999))
	case household.RemovalMisidentified:
		h.after(day)
		explanation, evidence = fmt.Sprintf("%d年动态调整复核：家庭成员为财政供养人员 / the %d review found a member paid from the public budget", y, y),
			fmt.Sprintf("动态调整核查表/%d/%s", y, h.v.code)
	}
	body := map[string]any{"reason": h.variant, "explanation": explanation, "approvedBy": w.paoHead, "evidenceRef": evidence}
	w.post(h.after(w.later(h.last, 10, 30)), w.pao, h.path("/remove"), func() any { return body }, nil)
}

// Corrections: the county corrects what was recorded wrongly, naming the
// event; the original stays in the log.

func (w *demoWorld) correctSurvey(h *demoHousehold, at time.Time) {
	approver := w.paoHead
	w.post(h.after(at), w.pao, h.path("/corrections"), func() any {
		return map[string]any{"eventId": h.surveyID, "version": 2, "approvedBy": approver,
			"reason": "调查员将养老金重复计入收入 / the enumerator counted the pension twice",
			"fields": map[string]any{"netIncomePerCapitaFen": w.correctedIncome(h)}}
	}, nil)
}

// correctedIncome is lower than the survey's, so the household is as poor as
// it was found.
func (w *demoWorld) correctedIncome(h *demoHousehold) int64 {
	line, _ := w.lines.Line(h.round)
	return int64(math.Round(float64(line)*0.5/100)) * 100
}

func (w *demoWorld) correctName(h *demoHousehold, at time.Time) {
	approver := w.paoHead
	w.post(h.after(at), w.pao, h.path("/corrections"), func() any {
		members := make([]any, len(h.members))
		for i, m := range h.members {
			members[i] = m.body()
		}
		return map[string]any{"eventId": h.regID, "version": 1, "approvedBy": approver,
			"reason": fmt.Sprintf("户籍信息核对：%s 登记为 %s / the household register says %s, not %s", h.members[0].name, h.typo, h.members[0].name, h.typo),
			"fields": map[string]any{"members": members}}
	}, nil)
}

// mustID parses an event ID the server gave; it cannot fail for an ID the
// server wrote.
func mustID(s string) events.ID {
	id, err := events.ParseID(s)
	if err != nil {
		panic(fmt.Sprintf("demo: the server answered an event ID %q: %v", s, err))
	}
	return id
}
