package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// The 12317 desk's complaints: four stories tied to households (two upheld
// with the corrective events they caused, one upheld after a late
// acknowledgement, one appealed), and others in every status, the open ones
// from the last weeks of the demo, some past their deadlines.

type demoComplaint struct {
	id        string // numbered once every complaint is planned
	received  time.Time
	last      time.Time
	town      *demoTown
	anonymous bool
	channel   complaint.Channel
}

func (c *demoComplaint) after(t time.Time) time.Time {
	if !t.After(c.last) {
		t = c.last.Add(20 * time.Minute)
	}
	c.last = t
	return t
}

// demoComplaintText is what complainants of a category say, and what the
// desk finds when the complaint is not upheld.
var demoComplaintText = map[complaint.Category]struct{ text, reason, reply string }{
	complaint.CategoryMoneyNotReceived: {"反映产业扶持资金至今未到一卡通 / says the industry subsidy never reached the one card",
		"资金已于当月拨付至一卡通，银行流水可查 / paid to the card that month; the bank statement shows it",
		"已电话告知资金到账时间及查询方式 / told by phone when it was paid and how to check"},
	complaint.CategoryMoneyDeducted: {"反映危房改造补助被村组扣留 2000 元 / says the village kept 2,000 yuan of the housing subsidy",
		"所扣款项为农户自愿委托统一采购建材的费用，有签字凭证 / the sum paid for building materials bought on the household's signed request",
		"已出示委托书及采购清单 / shown the signed request and the purchase list"},
	complaint.CategoryProjectQuality: {"反映组组通道路硬化不到半年即开裂 / says the hamlet road cracked within six months",
		"经住建局检测，裂缝为伸缩缝，质量合格 / the county housing bureau found expansion joints, not defects",
		"已将检测报告送达反映人 / the test report was sent to the complainant"},
	complaint.CategoryCadreMisconduct: {"反映驻村第一书记长期不在村 / says the first secretary is rarely in the village",
		"考勤及走访记录显示驻村时间符合要求 / attendance and visit records meet the rule",
		"已反馈驻村考勤情况 / told the attendance record"},
	complaint.CategoryWronglyExcluded: {"反映自家条件差却未被评为贫困户 / says the family is poor but was not enrolled",
		"经入户复核，该户得分高于 60 分且人均纯收入高于扶贫标准 / resurveyed: above 60 points and above the line",
		"已上门解释识别标准及评分结果 / the standard and the scores were explained at home"},
	complaint.CategoryWronglyIncluded: {"反映某户家有楼房和货车却是贫困户 / says a household with a new house and a lorry is on the list",
		"货车为亲属所有，该户符合识别标准 / the lorry is a relative's; the household meets the standard",
		"已反馈核查结果 / told the finding"},
}

func (w *demoWorld) planComplaints(n int) {
	special := func(name string) *demoHousehold {
		for _, h := range w.households {
			if h.special == name {
				return h
			}
		}
		return nil
	}
	stories := []func(*demoHousehold){w.accountStory, w.includedStory, w.cadreStory, w.excludedStory}
	for i, name := range []string{"account", "included", "cadre", "excluded"} {
		if h := special(name); h != nil {
			stories[i](h)
		}
	}
	cycle := []complaint.Status{complaint.StatusClosed, complaint.StatusReceived, complaint.StatusAssigned, complaint.StatusClosed,
		complaint.StatusAcknowledged, complaint.StatusResolved, complaint.StatusClosed, complaint.StatusAssigned,
		complaint.StatusAppealed, complaint.StatusClosed, complaint.StatusReceived, complaint.StatusResolved}
	for i := 0; len(w.complaints) < n; i++ {
		w.filler(i, cycle[i%len(cycle)])
	}
	w.numberComplaints()
}

// numberComplaints gives the desk's numbers in the order complaints came in.
func (w *demoWorld) numberComplaints() {
	cs := slices.Clone(w.complaints)
	slices.SortStableFunc(cs, func(a, b *demoComplaint) int { return a.received.Compare(b.received) })
	seq := map[int]int{}
	for _, c := range cs {
		y := c.received.Year()
		if seq[y] == 0 {
			seq[y] = w.between(100, 400)
		}
		seq[y] += w.between(1, 12)
		c.id = fmt.Sprintf("12317-%d-%06d", y, seq[y])
	}
}

// demoIntake is a complaint as it comes in.
type demoIntake struct {
	at          time.Time
	channel     complaint.Channel
	category    complaint.Category
	subjectKind complaint.SubjectKind
	subject     func() string // the reference, known once files are numbered
	village     *demoVillage
	complainant string // "" for an anonymous complaint
	text        string
}

func (w *demoWorld) receive(in demoIntake) *demoComplaint {
	c := &demoComplaint{received: in.at, last: in.at, town: in.village.town, anonymous: in.complainant == "", channel: in.channel}
	w.complaints = append(w.complaints, c)
	who := map[string]any{"kind": complaint.ComplainantAnonymous}
	if in.complainant != "" {
		who = map[string]any{"kind": complaint.ComplainantRealName, "name": in.complainant, "phone": w.phone()}
	}
	receiver := w.desk
	if in.channel == complaint.ChannelInPerson {
		receiver = c.town.official
	}
	w.post(in.at, receiver, func() string { return "/complaints" }, func() any {
		return map[string]any{"complaintId": c.id, "channel": in.channel, "category": in.category,
			"subject": map[string]any{"kind": in.subjectKind, "ref": in.subject()}, "division": in.village.code,
			"complainant": who, "text": in.text}
	}, nil)
	return c
}

func (w *demoWorld) phone() string {
	return fmt.Sprintf("1%d%09d", pick(w, []int{3, 5, 8}), w.rng.IntN(1_000_000_000))
}

// act schedules a command on c by a at at (kept after c's last step).
func (w *demoWorld) act(c *demoComplaint, at time.Time, a demoActor, verb string, body func() any, then func(api.CommandResponse)) time.Time {
	at = c.after(at)
	w.post(at, a, func() string { return "/complaints/" + c.id + "/" + verb }, body, then)
	return at
}

func fixed(v any) func() any { return func() any { return v } }

func (w *demoWorld) acknowledge(c *demoComplaint, at time.Time) time.Time {
	a := w.desk
	if c.channel == complaint.ChannelInPerson {
		a = c.town.official
	}
	return w.act(c, at, a, "acknowledge", fixed(map[string]any{}), nil)
}

func (w *demoWorld) assign(c *demoComplaint, at time.Time) time.Time {
	return w.act(c, at, w.desk, "assign", fixed(map[string]any{"officerId": c.town.official.user, "unit": c.town.name + "人民政府"}), nil)
}

func (w *demoWorld) note(c *demoComplaint, at time.Time, text string) time.Time {
	return w.act(c, at, c.town.official, "notes", fixed(map[string]any{"text": text}), nil)
}

// resolve records the finding; upheld names the corrective events, read when
// the request is sent.
func (w *demoWorld) resolve(c *demoComplaint, at time.Time, corrective func() []events.ID, reason, reply string) time.Time {
	return w.act(c, at, w.desk, "resolve", func() any {
		b := map[string]any{"outcome": complaint.OutcomeNotUpheld, "reason": reason, "reply": reply}
		if corrective != nil {
			b["outcome"], b["correctiveEventIds"] = complaint.OutcomeUpheld, corrective()
		}
		return b
	}, nil)
}

func (w *demoWorld) closeComplaint(c *demoComplaint, at time.Time) time.Time {
	method, a := map[complaint.Channel]complaint.ReplyMethod{complaint.ChannelPhone12317: complaint.ReplyPhone,
		complaint.ChannelLetter: complaint.ReplyLetter, complaint.ChannelWeb: complaint.ReplyWeb,
		complaint.ChannelInPerson: complaint.ReplyInPerson}[c.channel], w.desk
	if c.anonymous {
		method = complaint.ReplyNone
	}
	if c.channel == complaint.ChannelInPerson {
		a = c.town.official
	}
	return w.act(c, at, a, "close", fixed(map[string]any{"replyMethod": method}), nil)
}

func (w *demoWorld) appeal(c *demoComplaint, at time.Time, reason string) time.Time {
	return w.act(c, at, w.desk, "appeal", fixed(map[string]any{"reason": reason}), nil)
}

// householdEvent schedules a command on h as part of a complaint's handling
// and keeps the ID of the event it records for the resolution.
func (w *demoWorld) householdEvent(c *demoComplaint, h *demoHousehold, at time.Time, a demoActor, suffix string, body func() any, id *events.ID) time.Time {
	at = c.after(at)
	w.post(at, a, h.path(suffix), body, func(r api.CommandResponse) { *id = mustID(r.Events[len(r.Events)-1].ID) })
	return at
}

// accountStory: the subsidy never came because the account was registered
// with two digits swapped; the county corrects the registration, and the
// complaint is upheld naming the correction.
func (w *demoWorld) accountStory(h *demoHousehold) {
	c := w.receive(demoIntake{at: w.dayIn(date(2016, 3, 7), date(2016, 3, 11)), channel: complaint.ChannelPhone12317,
		category: complaint.CategoryMoneyNotReceived, subjectKind: complaint.SubjectHousehold, subject: func() string { return h.file },
		village: h.v, complainant: h.head.name, text: "户主反映 2015 年产业扶持资金至今未到一卡通 / the head says the 2015 industry subsidy never reached the one card"})
	at := w.acknowledge(c, w.later(c.received, 1, 1))
	at = w.assign(c, w.later(at, 0, 1))
	at = w.note(c, w.later(at, 3, 5), "经核查，一卡通账号登记时两位数字录反，资金被银行退回 / the account was registered with two digits swapped; the bank returned the payment")
	var fix events.ID
	account := map[string]any{"number": h.right, "bank": h.account["bank"], "holderName": h.account["holderName"]}
	approver := w.paoHead
	at = w.householdEvent(c, h, w.later(at, 1, 2), w.pao, "/corrections", func() any {
		return map[string]any{"eventId": h.regID, "version": 1, "approvedBy": approver,
			"reason": "一卡通账号登记错误（12317 投诉核实）/ account number registered wrongly (found on a 12317 complaint)",
			"fields": map[string]any{"account": account}}
	}, &fix)
	h.accountFixedAt = at
	at = w.resolve(c, w.later(at, 1, 1), func() []events.ID { return []events.ID{fix} }, "",
		"已更正一卡通账号，资金将重新拨付 / the account is corrected; the subsidy will be paid again")
	w.closeComplaint(c, w.later(at, 1, 2))
}

// includedStory: an anonymous web complaint that a household is wrongly on
// the list; the county removes it as mis-identified.
func (w *demoWorld) includedStory(h *demoHousehold) {
	c := w.receive(demoIntake{at: w.dayIn(date(2015, 9, 7), date(2015, 9, 11)), channel: complaint.ChannelWeb,
		category: complaint.CategoryWronglyIncluded, subjectKind: complaint.SubjectHousehold, subject: func() string { return h.file },
		village: h.v, text: "该户在县城开建材店、有小轿车，却被评为贫困户 / this household runs a shop in town and owns a car, yet is on the list"})
	at := w.acknowledge(c, w.later(c.received, 1, 1))
	at = w.assign(c, w.later(at, 1, 1))
	at = w.note(c, w.later(at, 4, 6), "入户核查属实：户主经营建材店，有小轿车一辆 / verified at home: the head runs a building-materials shop and owns a car")
	var removal events.ID
	body := map[string]any{"reason": household.RemovalMisidentified, "approvedBy": w.paoHead,
		"explanation": "经 12317 举报核实，该户不符合识别标准 / found on a 12317 report not to meet the standard",
		"evidenceRef": fmt.Sprintf("核查报告/2015/%d", w.between(10, 99))}
	at = w.householdEvent(c, h, w.later(at, 2, 3), w.pao, "/remove", fixed(body), &removal)
	at = w.resolve(c, w.later(at, 1, 1), func() []events.ID { return []events.ID{removal} }, "",
		"举报属实，该户已清退 / the report was true; the household is off the list")
	w.closeComplaint(c, w.later(at, 1, 1))
}

// cadreStory: the helping cadre had not visited for a year; acknowledged
// late, upheld, the township assigns another cadre.
func (w *demoWorld) cadreStory(h *demoHousehold) {
	caller := h.head.name
	if len(h.members) > 0 {
		caller = h.members[0].name
	}
	c := w.receive(demoIntake{at: w.workTime(date(2017, 4, 7)), channel: complaint.ChannelPhone12317,
		category: complaint.CategoryCadreMisconduct, subjectKind: complaint.SubjectHousehold, subject: func() string { return h.file },
		village: h.v, complainant: caller, text: "帮扶干部一年多没来过我家 / our helping cadre has not come for over a year"})
	at := w.acknowledge(c, w.workTime(date(2017, 4, 12))) // two working days were until the 11th
	at = w.assign(c, w.later(at, 0, 1))
	at = w.note(c, w.later(at, 2, 4), "核实：帮扶干部长期借调外地，未入户 / verified: the cadre was seconded elsewhere and made no visits")
	old := h.cadre
	next := w.cadreFor(h.v)
	for next == old {
		next = w.cadreFor(h.v)
	}
	h.cadre = next
	var reassigned events.ID
	body := map[string]any{"cadre": map[string]any{"id": next.id, "name": next.name, "rank": next.rank}}
	at = w.householdEvent(c, h, w.later(at, 2, 4), h.v.town.official, "/cadre", fixed(body), &reassigned)
	at = w.resolve(c, w.later(at, 1, 1), func() []events.ID { return []events.ID{reassigned} }, "",
		"已更换帮扶干部，新干部一周内入户 / a new cadre is assigned and will visit within a week")
	w.closeComplaint(c, w.later(at, 1, 1))
}

// excludedStory: a rejected household complains, is not upheld, and
// appeals in the last weeks of the demo.
func (w *demoWorld) excludedStory(h *demoHousehold) {
	received := w.ago(56, 56)
	c := w.receive(demoIntake{at: received, channel: complaint.ChannelLetter,
		category: complaint.CategoryWronglyExcluded, subjectKind: complaint.SubjectHousehold, subject: func() string { return h.file },
		village: h.v, complainant: h.head.name, text: "来信反映自家 " + fmt.Sprint(h.round) + " 年申请贫困户被县里否决，要求重新评定 / writes that the county rejected them and asks to be assessed again"})
	at := w.acknowledge(c, w.later(c.received, 1, 2))
	at = w.assign(c, w.later(at, 1, 1))
	at = w.note(c, w.later(at, 4, 6), "复核：否决理由属实，仍不符合识别标准 / reviewed: the reason for the rejection holds")
	at = w.resolve(c, w.workTime(received.AddDate(0, 0, 14)), nil, "县级否决理由经复核属实 / the county's reason was confirmed on review",
		"已书面答复，告知申诉渠道 / answered in writing, with how to appeal")
	at = w.closeComplaint(c, w.later(at, 1, 1))
	w.appeal(c, w.ago(20, 22), "不服答复，认为家庭收入测算偏高 / disputes the income estimate")
}

var demoFillerCategories = []complaint.Category{complaint.CategoryMoneyDeducted, complaint.CategoryProjectQuality,
	complaint.CategoryMoneyNotReceived, complaint.CategoryCadreMisconduct, complaint.CategoryWronglyExcluded,
	complaint.CategoryWronglyIncluded, complaint.CategoryMoneyNotReceived}

// filler is a complaint of no story that ends in status.
func (w *demoWorld) filler(i int, status complaint.Status) {
	var at time.Time
	switch status {
	case complaint.StatusClosed:
		at = w.dayIn(date(2015, 9, 14), w.today.AddDate(0, 0, -90))
	case complaint.StatusAppealed:
		at = w.ago(90, 300)
	case complaint.StatusResolved:
		at = w.ago(22, 36)
	case complaint.StatusAssigned:
		at = w.ago(14, 40)
	case complaint.StatusAcknowledged:
		at = w.ago(8, 25)
	default:
		at = w.ago(1, 29)
	}
	in := w.intake(demoFillerCategories[i%len(demoFillerCategories)], at)
	c := w.receive(in)
	if status == complaint.StatusReceived {
		return
	}
	ackDays := w.between(1, 2)
	if w.chance(0.2) {
		ackDays = 5 // late
	}
	at = w.acknowledge(c, w.later(at, ackDays-1, ackDays))
	if status == complaint.StatusAcknowledged {
		return
	}
	at = w.assign(c, w.later(at, 0, 2))
	t := demoComplaintText[in.category]
	if status != complaint.StatusAssigned || w.chance(0.5) {
		at = w.note(c, w.later(at, 2, 4), "已入户核查，调取相关凭证 / visited the household and gathered the records")
	}
	if status == complaint.StatusAssigned {
		return
	}
	resolveDays := w.between(2, 6)
	if status == complaint.StatusClosed && w.chance(0.25) {
		resolveDays = w.between(12, 18) // past the 15 days
	}
	at = w.resolve(c, w.later(at, resolveDays, resolveDays), nil, t.reason, t.reply)
	if status == complaint.StatusResolved {
		return
	}
	at = w.closeComplaint(c, w.later(at, 1, 3))
	if status == complaint.StatusAppealed {
		w.appeal(c, w.ago(10, 40), "对答复不满意，要求重新调查 / not satisfied; asks for a new investigation")
	}
}

// intake is a complaint of category coming in at at: about a household
// registered before at, a village, a project or a payment.
func (w *demoWorld) intake(cat complaint.Category, at time.Time) demoIntake {
	in := demoIntake{at: at, category: cat, text: demoComplaintText[cat].text,
		channel: pick(w, []complaint.Channel{complaint.ChannelPhone12317, complaint.ChannelPhone12317, complaint.ChannelPhone12317,
			complaint.ChannelLetter, complaint.ChannelWeb, complaint.ChannelInPerson})}
	v := pick(w, w.villages)
	// Every subject exists when the complaint comes in: the server refuses
	// a complaint about a household, project or payment not in the log
	// (subject_not_found), so a deduction is told of the household, and a
	// road's quality of its village.
	switch cat {
	case complaint.CategoryProjectQuality, complaint.CategoryCadreMisconduct:
		in.subjectKind, in.subject = complaint.SubjectVillage, func() string { return v.code }
	default:
		h := w.householdBefore(at, cat == complaint.CategoryWronglyExcluded)
		v = h.v
		in.subjectKind, in.subject = complaint.SubjectHousehold, func() string { return h.file }
	}
	in.village = v
	if in.channel == complaint.ChannelInPerson || w.chance(0.75) {
		in.complainant = w.name(pick(w, []domain.Sex{domain.SexMale, domain.SexFemale})).han
	}
	return in
}

// householdBefore picks a household registered before at: one that was not
// enrolled if excluded, else an enrolled one.
func (w *demoWorld) householdBefore(at time.Time, excluded bool) *demoHousehold {
	var fit []*demoHousehold
	for _, h := range w.households {
		if !h.registeredAt.Before(at.AddDate(0, 0, -30)) {
			continue
		}
		if excluded == (h.enrolledAt.IsZero() || h.enrolledAt.After(at)) {
			fit = append(fit, h)
		}
	}
	if len(fit) == 0 {
		for _, h := range w.households {
			if h.registeredAt.Before(at) {
				fit = append(fit, h)
			}
		}
	}
	return pick(w, fit)
}
