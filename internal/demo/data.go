package demo

import "github.com/drip-ledger/drip/domain/household"

// The demo county's fixed data: places, names and the words officials
// write. The township and village names are real places of Weining county;
// their division codes are made up in the right shape (the county's own
// code, 520526, is real), so nothing here is a statement about a real
// household.

const (
	demoCountyCode = "520526"
	demoCountyName = "威宁彝族回族苗族自治县 (Weining)"
)

type demoPlace struct{ code, name, pinyin string }

type demoTownData struct {
	demoPlace
	villages []demoPlace
}

var demoTowns = []demoTownData{
	{demoPlace{"520526101", "草海镇", "caohai"}, []demoPlace{
		{"520526101201", "五里岗村", "wuligang"}, {"520526101202", "阳关山村", "yangguanshan"}, {"520526101203", "西海村", "xihai"}}},
	{demoPlace{"520526104", "迤那镇", "yina"}, []demoPlace{
		{"520526104201", "五星村", "wuxing"}, {"520526104202", "中海村", "zhonghai"}, {"520526104203", "新发村", "xinfa"},
		{"520526104204", "合心村", "hexin"}}},
	{demoPlace{"520526110", "石门乡", "shimen"}, []demoPlace{
		{"520526110201", "泉发村", "quanfa"}, {"520526110202", "年丰村", "nianfeng"}}},
	{demoPlace{"520526117", "哲觉镇", "zhejue"}, []demoPlace{
		{"520526117201", "竹坪村", "zhuping"}, {"520526117202", "红旗村", "hongqi"}, {"520526117203", "坪箐村", "pingqing"}}},
}

// demoChar is one character of a name with its pinyin, so officials' user
// IDs can be spelt from their names.
type demoChar struct{ han, pinyin string }

// Surnames, weighted by repetition: Han surnames, and those common among
// Weining's Yi (禄, 安, 陇) and Hui (马, 丁) people.
var demoSurnames = []demoChar{
	{"王", "wang"}, {"王", "wang"}, {"李", "li"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"刘", "liu"},
	{"陈", "chen"}, {"杨", "yang"}, {"赵", "zhao"}, {"黄", "huang"}, {"周", "zhou"}, {"吴", "wu"}, {"马", "ma"},
	{"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"}, {"罗", "luo"}, {"何", "he"}, {"高", "gao"}, {"禄", "lu"},
	{"安", "an"}, {"陇", "long"}, {"龙", "long"}, {"苏", "su"}, {"丁", "ding"}, {"管", "guan"}, {"邓", "deng"},
	{"孔", "kong"}, {"申", "shen"},
}

var demoMaleChars = []demoChar{
	{"国", "guo"}, {"明", "ming"}, {"文", "wen"}, {"华", "hua"}, {"永", "yong"}, {"忠", "zhong"}, {"林", "lin"},
	{"军", "jun"}, {"德", "de"}, {"富", "fu"}, {"贵", "gui"}, {"发", "fa"}, {"学", "xue"}, {"荣", "rong"},
	{"志", "zhi"}, {"成", "cheng"}, {"勇", "yong"}, {"强", "qiang"}, {"福", "fu"}, {"海", "hai"}, {"正", "zheng"},
	{"光", "guang"}, {"兴", "xing"}, {"顺", "shun"}, {"才", "cai"}, {"友", "you"}, {"平", "ping"}, {"江", "jiang"},
}

var demoFemaleChars = []demoChar{
	{"芳", "fang"}, {"秀", "xiu"}, {"英", "ying"}, {"兰", "lan"}, {"梅", "mei"}, {"琴", "qin"}, {"燕", "yan"},
	{"霞", "xia"}, {"丽", "li"}, {"珍", "zhen"}, {"桂", "gui"}, {"香", "xiang"}, {"莲", "lian"}, {"菊", "ju"},
	{"凤", "feng"}, {"敏", "min"}, {"红", "hong"}, {"艳", "yan"}, {"娟", "juan"}, {"萍", "ping"}, {"春", "chun"},
}

// demoBanks are where Weining's households hold their "one card".
var demoBanks = []struct{ name, prefix string }{
	{"威宁县农村信用合作联社", "621779"}, {"威宁县农村信用合作联社", "621779"},
	{"中国农业银行威宁县支行", "622848"}, {"中国邮政储蓄银行威宁县支行", "621799"},
}

// demoMeasure is a support measure a cause of poverty calls for.
type demoMeasure struct{ kind, description, project string }

var demoMeasures = map[string][]demoMeasure{
	household.CauseIllness: {
		{household.MeasureMedical, "新农合住院二次报销，慢病门诊补助 / second reimbursement of inpatient costs, chronic-illness outpatient aid", ""},
		{household.MeasureLivelihood, "纳入农村低保二类 / rural minimum living security, class 2", ""}},
	household.CauseDisability: {
		{household.MeasureLivelihood, "纳入农村低保一类，残疾人两项补贴 / minimum living security class 1, disability allowances", ""}},
	household.CauseEducation: {
		{household.MeasureEducation, "雨露计划中职学生每年补助 3000 元 / raindrop plan: 3,000 yuan a year for a vocational student", "WN-%d-RAINDROP"},
		{household.MeasureEducation, "高校新生入学资助 / university enrolment grant", ""}},
	household.CauseLand: {
		{household.MeasureRelocation, "易地扶贫搬迁至县城五里岗安置点 / relocation to the Wuligang resettlement site", "WN-%d-RELOC-02"},
		{household.MeasureProduction, "肉牛养殖 2 头，合作社托管 / two beef cattle, kept by the cooperative", "WN-%d-CATTLE-05"}},
	household.CauseWater: {
		{household.MeasureProduction, "修建 30 立方米水窖 / a 30 m³ water cellar", "WN-%d-WATER-11"}},
	household.CauseSkills: {
		{household.MeasureProduction, "参加挖掘机驾驶技能培训 / excavator-driver training", "WN-%d-TRAIN-03"},
		{household.MeasureProduction, "推荐到浙江宁波务工 / job placement in Ningbo, Zhejiang (east–west pairing)", ""}},
	household.CauseLabour: {
		{household.MeasureLivelihood, "纳入农村低保 / rural minimum living security", ""}},
	household.CauseCapital: {
		{household.MeasureProduction, "扶贫小额信贷 5 万元，三年免息 / 50,000 yuan poverty micro-credit, three years interest-free", "WN-%d-CREDIT"},
		{household.MeasureProduction, "种植马铃薯良种 3 亩 / three mu of certified seed potatoes", "WN-%d-POTATO-07"}},
	household.CauseTransport: {
		{household.MeasureProduction, "组组通硬化路入户 / hardened road to the hamlet", "WN-%d-ROAD-17"}},
	household.CauseDisaster: {
		{household.MeasureProduction, "冰雹灾后苹果园补植 / replanting the apple orchard after hail", "WN-%d-APPLE-04"}},
	household.CauseMarriage: {
		{household.MeasureProduction, "种植核桃 2 亩 / two mu of walnut trees", "WN-%d-WALNUT-03"}},
	household.CauseMotivation: {
		{household.MeasureProduction, "以工代赈，村内公益岗位 / public-works job in the village", ""}},
}

var demoRejectReasons = [][]string{
	{"家庭成员为财政供养人员 / a member is paid from the public budget (a county school teacher)"},
	{"家庭在县城购买商品房 / the household bought a flat in the county town"},
	{"家庭拥有小轿车一辆 / the household owns a car", "经营性收入较高 / business income above the line"},
	{"乡镇审核未通过：收入测算有误 / township review failed: income miscalculated"},
}

var demoObjections = []struct{ statement, reason string }{
	{"他家儿子在城里有新房 / their son has a new house in town", "该房屋属已分户的儿子 / the house is the son's, a separate household"},
	{"他家去年卖了两头牛 / they sold two cows last year", "卖牛收入已计入人均纯收入测算 / the sale is already in the income estimate"},
	{"他家女婿是村干部 / their son-in-law is a village cadre", "女婿不是本户成员，无利益输送 / the son-in-law is not a member; no benefit found"},
}

var demoVisitSeen = []household.Seen{
	{Crops: "玉米、马铃薯长势良好 / maize and potatoes doing well", House: "砖混结构，已完成危房改造 / brick house, renovation done",
		Labour: "户主在家务农，儿子外出务工 / head farms, son works away", Students: "一名小学生在校 / one pupil at primary school"},
	{Crops: "核桃已挂果，荞麦受冰雹影响 / walnuts bearing, buckwheat hit by hail", House: "木结构老房，墙体开裂 / old timber house, walls cracked",
		Labour: "夫妻二人在家 / the couple at home", Students: "无在校学生 / no student"},
	{Crops: "种植马铃薯 4 亩 / four mu of potatoes", House: "房屋安全，厨厕分离 / house safe, kitchen and toilet separate",
		Labour: "户主患慢性病，半劳动力 / head chronically ill, partly able to work", Students: "一名初中生寄宿 / one boarder at junior middle school"},
}

var demoConcerns = []string{
	"希望解决饮水管道入户 / asks for piped water to the house",
	"医疗报销比例不清楚 / unsure what share of medical costs is reimbursed",
	"想学养殖技术 / wants to learn animal husbandry",
	"孩子读高中学费有压力 / high-school fees are a burden",
}

var demoHelp = []household.Help{
	{Kind: "water", Description: "联系水务站接通自来水 / arranged the water station's connection"},
	{Kind: "services", Description: "代办新农合报销手续 / filed the medical reimbursement for them"},
	{Kind: "housing", Description: "申报危房改造 / applied for housing renovation"},
	{Kind: "road", Description: "反映组组通道路维修 / reported the hamlet road for repair"},
	{Kind: "power", Description: "协调电力所更换入户线 / had the power station replace the service line"},
}
