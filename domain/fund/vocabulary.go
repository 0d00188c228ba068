package fund

// Level is the level of government (or the kind of outside source) an
// appropriation comes from (DOMAIN.md §5). Each level has one source
// account.
type Level string

// The source levels.
const (
	LevelCentral    Level = "central"    // central special poverty fund
	LevelProvincial Level = "provincial" // provincial budget
	LevelPrefecture Level = "prefecture" // prefecture budget
	LevelCounty     Level = "county"     // county budget
	LevelIntegrated Level = "integrated" // integrated from other agricultural budgets (涉农资金整合)
	LevelDonation   Level = "donation"   // social donations
	LevelEastWest   Level = "east_west"  // east–west pairing (东西部协作)
	LevelWorldBank  Level = "world_bank" // World Bank loans
)

// Levels lists every source level.
func Levels() []Level {
	return []Level{LevelCentral, LevelProvincial, LevelPrefecture, LevelCounty, LevelIntegrated,
		LevelDonation, LevelEastWest, LevelWorldBank}
}

// ProjectStatus is where a project stands (DOMAIN.md §4).
type ProjectStatus string

// The project statuses, in the order a project passes them.
const (
	StatusNone         ProjectStatus = "" // the stream does not exist
	StatusProposed     ProjectStatus = "proposed"
	StatusApproved     ProjectStatus = "approved"
	StatusPublicized   ProjectStatus = "publicized"
	StatusImplementing ProjectStatus = "implementing"
	StatusCompleted    ProjectStatus = "completed"
	StatusAccepted     ProjectStatus = "accepted"
)

// ProjectKind is what a project does (DOMAIN.md §4).
type ProjectKind string

// The project kinds.
const (
	KindIndustry       ProjectKind = "industry"       // walnut, potato, herbs, livestock
	KindInfrastructure ProjectKind = "infrastructure" // road, water, power
	KindHousing        ProjectKind = "housing"        // housing renovation
	KindEducation      ProjectKind = "education"      // education and training, the raindrop plan
	KindRelocation     ProjectKind = "relocation"
	KindECommerce      ProjectKind = "e_commerce"
	KindEcology        ProjectKind = "ecology"
)

// ProjectKinds lists every project kind.
func ProjectKinds() []ProjectKind {
	return []ProjectKind{KindIndustry, KindInfrastructure, KindHousing, KindEducation, KindRelocation,
		KindECommerce, KindEcology}
}

// Purpose is what a payment is for. The list is closed so that the
// duplicate rule (one payment per payee, project, purpose and period) and
// the read models compare like with like.
type Purpose string

// The payment purposes.
const (
	PurposeProductionSubsidy Purpose = "production_subsidy" // direct subsidy for production
	PurposeHousingSubsidy    Purpose = "housing_subsidy"    // build first, subsidize after
	PurposeEducationSubsidy  Purpose = "education_subsidy"  // school costs, raindrop plan
	PurposeRelocation        Purpose = "relocation_subsidy"
	PurposeEmploymentAward   Purpose = "employment_award" // awards instead of subsidies
	PurposeMedicalAssistance Purpose = "medical_assistance"
	PurposeWorks             Purpose = "works"    // a contractor's or cooperative's works
	PurposeDividend          Purpose = "dividend" // a cooperative's share to its members
)

// Purposes lists every payment purpose.
func Purposes() []Purpose {
	return []Purpose{PurposeProductionSubsidy, PurposeHousingSubsidy, PurposeEducationSubsidy, PurposeRelocation,
		PurposeEmploymentAward, PurposeMedicalAssistance, PurposeWorks, PurposeDividend}
}

// PayeeKind says who a payment goes to.
type PayeeKind string

// The payee kinds.
const (
	PayeeHousehold  PayeeKind = "household"
	PayeeContractor PayeeKind = "contractor" // a contractor or cooperative
)

// PaymentStatus is where a payment stands.
type PaymentStatus string

// The payment statuses: instructed (pending, in transit), then settled or
// failed or returned; a settled payment may later be reversed.
const (
	StatusInstructed PaymentStatus = "instructed"
	StatusSettled    PaymentStatus = "settled"
	StatusFailed     PaymentStatus = "failed"   // refused by the bank
	StatusReturned   PaymentStatus = "returned" // accepted, then sent back by the bank
	StatusReversed   PaymentStatus = "reversed" // undone after settlement, by a compensating event
)

// Outcomes a bank may report for a payment that did not settle.
func failureOutcomes() []PaymentStatus { return []PaymentStatus{StatusFailed, StatusReturned} }

// EvidenceKind is how a household acknowledged a payment in person.
type EvidenceKind string

// The evidence kinds.
const (
	EvidenceSignature  EvidenceKind = "signature"
	EvidenceThumbprint EvidenceKind = "thumbprint"
)
