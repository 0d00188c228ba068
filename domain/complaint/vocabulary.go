package complaint

// Channel is how a complaint reached Drip.
type Channel string

// The channels. ChannelSystem is not a way people complain: it marks the
// complaints the fund ledger opens itself (OpenAutomatically) when a household
// acknowledges less than it was paid, so that no one has to ring 12317 for a
// deduction the ledger can already see.
const (
	ChannelPhone12317 Channel = "phone_12317"
	ChannelLetter     Channel = "letter"
	ChannelWeb        Channel = "web"
	ChannelInPerson   Channel = "in_person"
	ChannelSystem     Channel = "system"
)

// Channels lists every channel, in the order above.
func Channels() []Channel {
	return []Channel{ChannelPhone12317, ChannelLetter, ChannelWeb, ChannelInPerson, ChannelSystem}
}

// Valid reports whether c is one of the channels.
func (c Channel) Valid() bool {
	switch c {
	case ChannelPhone12317, ChannelLetter, ChannelWeb, ChannelInPerson, ChannelSystem:
		return true
	}
	return false
}

// Category is what a complaint is about (DOMAIN.md §9).
type Category string

// The categories.
const (
	CategoryWronglyExcluded  Category = "wrongly_excluded"
	CategoryWronglyIncluded  Category = "wrongly_included"
	CategoryMoneyNotReceived Category = "money_not_received"
	CategoryMoneyDeducted    Category = "money_deducted" // deducted or taken
	CategoryCadreMisconduct  Category = "cadre_misconduct"
	CategoryProjectQuality   Category = "project_quality"
)

// Categories lists every category, in the order above.
func Categories() []Category {
	return []Category{CategoryWronglyExcluded, CategoryWronglyIncluded, CategoryMoneyNotReceived,
		CategoryMoneyDeducted, CategoryCadreMisconduct, CategoryProjectQuality}
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, v := range Categories() {
		if c == v {
			return true
		}
	}
	return false
}

// SubjectKind is the kind of thing a complaint names.
type SubjectKind string

// The subject kinds, each with the reference it carries.
const (
	SubjectHousehold SubjectKind = "household" // a file number, 520526104201-0007
	SubjectVillage   SubjectKind = "village"   // a village's division code (a list, a first secretary)
	SubjectProject   SubjectKind = "project"   // a project ID from the county project database
	SubjectPayment   SubjectKind = "payment"   // a payment (disbursement) reference
)

// Valid reports whether k is one of the subject kinds.
func (k SubjectKind) Valid() bool {
	switch k {
	case SubjectHousehold, SubjectVillage, SubjectProject, SubjectPayment:
		return true
	}
	return false
}

// ComplainantKind says who complained.
type ComplainantKind string

// The complainant kinds. An anonymous complaint carries no personal field at
// all: the desk promised anonymity, so the log (which is never edited) must
// not hold a name "just in case".
const (
	ComplainantRealName  ComplainantKind = "real_name"
	ComplainantAnonymous ComplainantKind = "anonymous"
	ComplainantSystem    ComplainantKind = "system" // the fund ledger (ChannelSystem)
)

// Valid reports whether k is one of the complainant kinds.
func (k ComplainantKind) Valid() bool {
	switch k {
	case ComplainantRealName, ComplainantAnonymous, ComplainantSystem:
		return true
	}
	return false
}

// Outcome is the finding of an investigation.
type Outcome string

// The outcomes.
const (
	OutcomeUpheld    Outcome = "upheld"
	OutcomeNotUpheld Outcome = "not_upheld"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool { return o == OutcomeUpheld || o == OutcomeNotUpheld }

// ReplyMethod is how the complainant was given the reply.
type ReplyMethod string

// The reply methods. ReplyNone is for anonymous complaints only: there is no
// one to answer, and closing must not wait for it.
const (
	ReplyPhone    ReplyMethod = "phone"
	ReplyLetter   ReplyMethod = "letter"
	ReplyWeb      ReplyMethod = "web"
	ReplyInPerson ReplyMethod = "in_person"
	ReplyNone     ReplyMethod = "none"
)

// Valid reports whether m is one of the reply methods.
func (m ReplyMethod) Valid() bool {
	switch m {
	case ReplyPhone, ReplyLetter, ReplyWeb, ReplyInPerson, ReplyNone:
		return true
	}
	return false
}

// Status is where a complaint stands.
//
//	received ─► acknowledged ─► assigned ─► resolved ─► closed
//	                              ▲  │ (reassign)  │          │
//	                              │  ▼             ▼          ▼
//	                              └─ appealed ◄──── appeal ◄──┘
//
// StatusAppealed is an investigation reopened by an appeal: it may be noted,
// reassigned and resolved again like StatusAssigned.
type Status string

// The statuses. StatusNone is a complaint not yet received (an empty stream).
const (
	StatusNone         Status = ""
	StatusReceived     Status = "received"
	StatusAcknowledged Status = "acknowledged"
	StatusAssigned     Status = "assigned"
	StatusResolved     Status = "resolved"
	StatusClosed       Status = "closed"
	StatusAppealed     Status = "appealed"
)
