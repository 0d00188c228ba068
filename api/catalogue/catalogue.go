// Package catalogue is the one list of Drip's error codes: for each stable
// code the HTTP status it is answered with and a short title in English and
// Chinese. The API's error mapping reads it (so a code means one status on
// every endpoint) and the web UI shares it (so a code reads the same on
// every page). A test in package api scans the source for every code the
// domain, the projections and the API can emit and fails on one missing here.
package catalogue

import "net/http"

// Entry is one code's kind: the status it is answered with and its titles.
type Entry struct {
	Status int
	// En and Zh are short titles, for a heading or a toast; the message of
	// the error itself says what was wrong with this request.
	En, Zh string
}

// Lookup returns the code's entry and whether the catalogue has it.
func Lookup(code string) (Entry, bool) {
	e, ok := entries[code]
	return e, ok
}

// Codes returns every code of the catalogue, in no particular order.
func Codes() []string {
	out := make([]string, 0, len(entries))
	for c := range entries {
		out = append(out, c)
	}
	return out
}

// The statuses, named for what they tell a client:
const (
	invalid   = http.StatusUnprocessableEntity // the request is understood but its content breaks a rule: fix the input
	conflict  = http.StatusConflict            // the record is not in the state the request needs: it may succeed later
	notFound  = http.StatusNotFound
	forbidden = http.StatusForbidden
)

var entries = map[string]Entry{
	// Transport and server: produced by the API itself.
	"validation_failed":       {invalid, "Invalid input", "输入有误"},
	"limit_exceeded":          {invalid, "Limit exceeded", "超出限额"},
	"bad_request":             {http.StatusBadRequest, "Bad request", "请求格式错误"},
	"unauthorized":            {http.StatusUnauthorized, "Sign-in required", "需要登录"},
	"forbidden":               {forbidden, "Not allowed", "无权操作"},
	"not_found":               {notFound, "Not found", "未找到"},
	"method_not_allowed":      {http.StatusMethodNotAllowed, "Method not allowed", "不支持的请求方法"},
	"body_too_large":          {http.StatusRequestEntityTooLarge, "Request too large", "请求内容过大"},
	"unsupported_media_type":  {http.StatusUnsupportedMediaType, "Unsupported content type", "不支持的内容类型"},
	"too_many_requests":       {http.StatusTooManyRequests, "Too many requests", "请求过于频繁"},
	"http_error":              {http.StatusBadRequest, "Request refused", "请求被拒绝"}, // any other status echo answers; the status is echo's
	"unavailable":             {http.StatusServiceUnavailable, "Service unavailable", "服务暂不可用"},
	"shutting_down":           {http.StatusServiceUnavailable, "Server shutting down", "服务器正在关闭"},
	"timeout":                 {http.StatusGatewayTimeout, "Request timed out", "请求超时"},
	"internal":                {http.StatusInternalServerError, "Internal error", "内部错误"},
	"concurrent_change":       {conflict, "Changed at the same time", "记录已被同时修改"},
	"idempotency_conflict":    {conflict, "Request identity already used", "请求标识已被使用"},
	"idempotency_key_reused":  {conflict, "Idempotency key reused", "幂等键已被其他请求使用"},
	"idempotency_key_invalid": {invalid, "Invalid idempotency key", "幂等键无效"},
	"page_length":             {invalid, "Invalid page length", "分页长度无效"},
	"cursor_invalid":          {invalid, "Invalid page cursor", "分页游标无效"},
	"path_invalid":            {invalid, "Invalid path", "路径参数无效"},
	"not_yet_checkpointed":    {conflict, "Not yet checkpointed", "尚未生成检查点"},
	"tree_size_invalid":       {invalid, "Invalid tree size", "树大小无效"},
	"kind_unknown":            {invalid, "Unknown kind", "未知类型"},

	// Who may do what.
	"outside_jurisdiction": {forbidden, "Outside your jurisdiction", "超出管辖范围"},
	"role_not_permitted":   {forbidden, "Role not permitted", "角色无此权限"},

	// Access log.
	"access_file_on_search": {invalid, "File number on a search", "查询记录不应带档案号"},
	"access_query_invalid":  {invalid, "Invalid access query", "访问查询无效"},
	"access_view_unknown":   {invalid, "Unknown view", "未知的查看类型"},

	// Values shared by many inputs.
	"invalid":             {invalid, "Invalid value", "取值无效"},
	"required":            {invalid, "Required", "必填"},
	"too_long":            {invalid, "Too long", "过长"},
	"too_many":            {invalid, "Too many", "数量过多"},
	"negative":            {invalid, "Negative", "不能为负数"},
	"value_unknown":       {invalid, "Unknown value", "未知取值"},
	"value_repeated":      {invalid, "Repeated value", "取值重复"},
	"date_invalid":        {invalid, "Invalid date", "日期无效"},
	"date_format":         {invalid, "Invalid date format", "日期格式错误"},
	"date_in_future":      {invalid, "Date in the future", "日期晚于当前时间"},
	"hash_format":         {invalid, "Invalid hash", "哈希格式错误"},
	"ref_format":          {invalid, "Invalid reference", "编号格式错误"},
	"account_format":      {invalid, "Invalid account", "账户格式错误"},
	"county_format":       {invalid, "Invalid county code", "县级代码格式错误"},
	"period_format":       {invalid, "Invalid period", "期间格式错误"},
	"wrong_status":        {conflict, "Wrong status", "状态不符"},
	"already_assigned":    {conflict, "Already assigned", "已分配"},
	"fen_syntax":          {invalid, "Invalid amount", "金额格式错误"},
	"fen_negative":        {invalid, "Negative amount", "金额不能为负"},
	"fen_precision":       {invalid, "Amount below one fen", "金额精度超过分"},
	"fen_overflow":        {invalid, "Amount too large", "金额过大"},
	"amount_not_positive": {invalid, "Amount not positive", "金额必须大于零"},

	// Division codes and jurisdictions.
	"division_code_length":    {invalid, "Division code length", "区划代码长度错误"},
	"division_code_character": {invalid, "Division code character", "区划代码含非法字符"},
	"division_code_province":  {invalid, "Unknown province", "省级代码不存在"},
	"division_code_structure": {invalid, "Division code structure", "区划代码结构错误"},
	"jurisdiction_length":     {invalid, "Jurisdiction length", "管辖范围长度错误"},
	"jurisdiction_character":  {invalid, "Jurisdiction character", "管辖范围含非法字符"},
	"jurisdiction_province":   {invalid, "Jurisdiction province", "管辖范围省级代码错误"},
	"jurisdiction_structure":  {invalid, "Jurisdiction structure", "管辖范围结构错误"},
	"jurisdiction_zero":       {invalid, "Empty jurisdiction", "管辖范围为空"},

	// Resident IDs and file numbers.
	"resident_id_length":            {invalid, "Resident ID length", "身份证号长度错误"},
	"resident_id_character":         {invalid, "Resident ID character", "身份证号含非法字符"},
	"resident_id_checksum":          {invalid, "Resident ID checksum", "身份证号校验位错误"},
	"resident_id_address":           {invalid, "Resident ID address code", "身份证号地址码错误"},
	"resident_id_birth_date":        {invalid, "Resident ID birth date", "身份证号出生日期错误"},
	"resident_id_birth_date_future": {invalid, "Birth date in the future", "出生日期晚于今天"},
	"resident_id_duplicate":         {invalid, "Resident ID repeated", "身份证号重复"},
	"file_number_format":            {invalid, "File number format", "档案号格式错误"},
	"file_number_village":           {invalid, "File number village", "档案号村代码错误"},
	"file_number_sequence":          {invalid, "File number sequence", "档案号序号错误"},

	// Poverty lines.
	"poverty_line_unknown": {invalid, "Poverty line unknown", "无该年度贫困线"},
	"poverty_line_year":    {invalid, "Poverty line year", "贫困线年份错误"},
	"poverty_line_amount":  {invalid, "Poverty line amount", "贫困线金额错误"},

	// Households.
	"household_exists":           {conflict, "Household exists", "农户已存在"},
	"household_unknown":          {notFound, "Household not found", "未找到该农户"},
	"village_mismatch":           {invalid, "Village mismatch", "村代码不一致"},
	"birth_date_mismatch":        {invalid, "Birth date mismatch", "出生日期与身份证号不符"},
	"sex_mismatch":               {invalid, "Sex mismatch", "性别与身份证号不符"},
	"account_number_invalid":     {invalid, "Invalid account number", "银行账号无效"},
	"account_holder_not_member":  {invalid, "Account holder not a member", "账户持有人不是家庭成员"},
	"score_invalid":              {invalid, "Invalid score", "评分无效"},
	"assessment_missing":         {conflict, "Assessment missing", "缺少评估"},
	"appraisal_failed":           {invalid, "Appraisal failed", "评议未通过"},
	"appraisal_missing":          {conflict, "Appraisal missing", "缺少民主评议"},
	"publicity_too_short":        {invalid, "Publicity too short", "公示期过短"},
	"publicity_open":             {conflict, "Publicity still open", "公示期未结束"},
	"publicity_closed":           {conflict, "Publicity closed", "公示期已结束"},
	"objection_open":             {conflict, "Objection open", "异议未处理"},
	"objection_upheld":           {invalid, "Objection upheld", "异议成立"},
	"objection_unknown":          {notFound, "Objection not found", "未找到该异议"},
	"objection_resolved":         {conflict, "Objection already resolved", "异议已处理"},
	"review_missing":             {conflict, "Review missing", "缺少审核"},
	"not_poor":                   {invalid, "Not poor", "不符合贫困标准"},
	"exit_score_too_low":         {invalid, "Exit score too low", "退出评分不足"},
	"exit_indicator_missing":     {invalid, "Exit indicator missing", "缺少退出指标"},
	"exit_indicator_unmet":       {invalid, "Exit indicator unmet", "退出指标未达到"},
	"exit_verification_missing":  {conflict, "Exit verification missing", "缺少退出核实"},
	"exit_agreement_missing":     {conflict, "Exit agreement missing", "缺少退出确认"},
	"member_unknown":             {invalid, "Member unknown", "未找到该成员"},
	"member_deceased":            {invalid, "Member deceased", "成员已故"},
	"correction_target_unknown":  {invalid, "Corrected event unknown", "被更正事件不存在"},
	"correction_target_invalid":  {invalid, "Event cannot be corrected", "该事件不可更正"},
	"correction_field_immutable": {invalid, "Field cannot be corrected", "该字段不可更正"},
	"correction_invalid":         {invalid, "Invalid correction", "更正无效"},
	"cadre_at_capacity":          {invalid, "Cadre at capacity", "帮扶干部已满额"},
	"cadre_already_assigned":     {conflict, "Cadre already assigned", "已分配帮扶干部"},
	"measure_exists":             {conflict, "Measure exists", "帮扶措施已存在"},
	"visit_unsigned":             {invalid, "Visit unsigned", "走访未签字"},
	"card_unknown":               {invalid, "Scorecard unknown", "未知的评分表"},
	"card_not_applicable":        {invalid, "Scorecard not applicable", "评分表不适用"},
	"card_ambiguous":             {invalid, "Scorecard ambiguous", "评分表不唯一"},

	// Scorecards and answers.
	"answer_missing":         {invalid, "Answer missing", "缺少答案"},
	"answer_unknown":         {invalid, "Unknown question", "未知的问题"},
	"answer_option":          {invalid, "Unknown option", "未知的选项"},
	"answer_number":          {invalid, "Not a number", "不是数字"},
	"answer_out_of_range":    {invalid, "Answer out of range", "答案超出范围"},
	"answer_limit":           {invalid, "Too many answers", "答案过多"},
	"assessment_card":        {invalid, "Assessment scorecard", "评估评分表错误"},
	"assessment_differs":     {invalid, "Assessment differs", "评估结果不一致"},
	"card_syntax":            {invalid, "Scorecard syntax", "评分表语法错误"},
	"card_limit":             {invalid, "Scorecard too large", "评分表过大"},
	"card_id":                {invalid, "Scorecard ID", "评分表标识错误"},
	"card_version":           {invalid, "Scorecard version", "评分表版本错误"},
	"card_name":              {invalid, "Scorecard name", "评分表名称错误"},
	"card_jurisdiction":      {invalid, "Scorecard jurisdiction", "评分表适用范围错误"},
	"card_empty":             {invalid, "Scorecard empty", "评分表为空"},
	"card_duplicate_id":      {invalid, "Scorecard ID repeated", "评分表标识重复"},
	"card_total_points":      {invalid, "Scorecard total points", "评分表总分错误"},
	"card_indicator_points":  {invalid, "Indicator points", "指标分值错误"},
	"card_item_points":       {invalid, "Item points", "选项分值错误"},
	"card_points_negative":   {invalid, "Negative points", "分值为负"},
	"card_thresholds":        {invalid, "Scorecard thresholds", "评分表阈值错误"},
	"card_combine":           {invalid, "Scorecard combination", "评分表组合方式错误"},
	"card_rule":              {invalid, "Scorecard rule", "评分表规则错误"},
	"card_band_range":        {invalid, "Band range", "分档范围错误"},
	"card_band_gap":          {invalid, "Band gap", "分档有间隙"},
	"card_band_overlap":      {invalid, "Band overlap", "分档重叠"},
	"card_duplicate_version": {invalid, "Scorecard version repeated", "评分表版本重复"},

	// Funds, projects and payments.
	"insufficient_funds":        {conflict, "Insufficient funds", "资金不足"},
	"household_not_eligible":    {invalid, "Household not eligible", "农户不符合条件"},
	"household_not_assigned":    {invalid, "Household not a beneficiary", "农户不是项目受益户"},
	"household_outside_project": {invalid, "Household outside project", "农户不在项目范围内"},
	"duplicate_payment":         {conflict, "Duplicate payment", "重复支付"},
	"project_not_found":         {notFound, "Project not found", "未找到该项目"},
	"project_exists":            {conflict, "Project exists", "项目已存在"},
	"project_outside_pool":      {invalid, "Project outside pool", "项目不属于该资金池"},
	"project_id_format":         {invalid, "Project ID format", "项目编号格式错误"},
	"appropriation_exists":      {conflict, "Appropriation exists", "资金下达已存在"},
	"appropriation_not_found":   {notFound, "Appropriation not found", "未找到该资金下达"},
	"allocation_not_found":      {notFound, "Allocation not found", "未找到该资金分配"},
	"payment_not_found":         {notFound, "Payment not found", "未找到该支付"},
	"payment_not_pending":       {conflict, "Payment not pending", "支付不在待处理状态"},
	"payment_not_settled":       {conflict, "Payment not settled", "支付尚未结算"},
	"already_acknowledged":      {conflict, "Already acknowledged", "已确认收款"},
	"acknowledged_above_paid":   {invalid, "Acknowledged above paid", "确认金额超过支付金额"},
	"not_a_household_payment":   {invalid, "Not a household payment", "不是对农户的支付"},
	"bank_account_missing":      {invalid, "Bank account missing", "缺少银行账户"},
	"objection_not_found":       {notFound, "Objection not found", "未找到该异议"},
	"account_not_found":         {notFound, "Account not found", "未找到该账户"},
	"pool_not_found":            {notFound, "Pool not found", "未找到该资金池"},
	"draws_mismatch":            {invalid, "Draws do not add up", "资金来源合计不符"},
	"draw_duplicate":            {invalid, "Draw repeated", "资金来源重复"},
	"fiscal_year_range":         {invalid, "Fiscal year out of range", "财政年度超出范围"},
	"transfer_mismatch":         {invalid, "Transfer mismatch", "转账信息不一致"},
	"village_outside_county":    {invalid, "Village outside county", "村不属于该县"},

	// Complaints.
	"complaint_not_found":        {notFound, "Complaint not found", "未找到该投诉"},
	"complaint_exists":           {conflict, "Complaint exists", "投诉已存在"},
	"appeals_exhausted":          {conflict, "Appeals exhausted", "复核次数已用完"},
	"before_received":            {invalid, "Before the complaint was received", "早于投诉受理时间"},
	"complaint_id_format":        {invalid, "Complaint ID format", "投诉编号格式错误"},
	"at_required":                {invalid, "Time required", "缺少时间"},
	"channel_unknown":            {invalid, "Unknown channel", "未知的投诉渠道"},
	"channel_reserved":           {invalid, "Reserved channel", "保留的投诉渠道"},
	"category_unknown":           {invalid, "Unknown category", "未知的投诉类别"},
	"subject_kind_unknown":       {invalid, "Unknown subject kind", "未知的投诉对象类型"},
	"subject_ref_invalid":        {invalid, "Invalid subject", "投诉对象无效"},
	"subject_outside_division":   {invalid, "Subject outside division", "投诉对象不在该区划"},
	"complainant_kind_unknown":   {invalid, "Unknown complainant kind", "未知的投诉人类型"},
	"complainant_kind_reserved":  {invalid, "Reserved complainant kind", "保留的投诉人类型"},
	"name_required":              {invalid, "Name required", "缺少姓名"},
	"phone_required":             {invalid, "Phone required", "缺少电话"},
	"phone_invalid":              {invalid, "Invalid phone", "电话号码无效"},
	"anonymous_personal_field":   {invalid, "Personal data on an anonymous complaint", "匿名投诉不应含个人信息"},
	"text_required":              {invalid, "Text required", "缺少内容"},
	"text_too_long":              {invalid, "Text too long", "内容过长"},
	"system_complaint_shape":     {invalid, "System complaint shape", "系统投诉格式错误"},
	"no_shortfall":               {invalid, "No shortfall", "无差额"},
	"event_id_required":          {invalid, "Event ID required", "缺少事件编号"},
	"assignee_required":          {invalid, "Assignee required", "缺少承办人"},
	"outcome_unknown":            {invalid, "Unknown outcome", "未知的处理结果"},
	"upheld_without_correction":  {invalid, "Upheld without correction", "投诉成立但无更正"},
	"correction_without_upheld":  {invalid, "Correction without upheld", "有更正但投诉不成立"},
	"corrective_event_duplicate": {invalid, "Corrective event repeated", "更正事件重复"},
	"corrective_events_too_many": {invalid, "Too many corrective events", "更正事件过多"},
	"reason_required":            {invalid, "Reason required", "缺少理由"},
	"reply_required":             {invalid, "Reply required", "缺少答复"},
	"reply_method_unknown":       {invalid, "Unknown reply method", "未知的答复方式"},
	"reply_method_required":      {invalid, "Reply method required", "缺少答复方式"},
	"due_dates_invalid":          {invalid, "Invalid due dates", "办理期限无效"},
	"deadline_out_of_range":      {invalid, "Deadline out of range", "期限超出范围"},
	"holiday_date":               {invalid, "Holiday date", "节假日日期错误"},
	"holidays_too_many":          {invalid, "Too many holidays", "节假日过多"},

	// Bank files and reconciliation.
	"reconciliation_not_found": {notFound, "Reconciliation not found", "未找到该对账记录"},
	"bank_file_in_progress":    {conflict, "Bank file being imported", "银行文件正在导入"},
	"bank_file_empty":          {invalid, "Bank file empty", "银行文件为空"},
	"bank_file_too_large":      {invalid, "Bank file too large", "银行文件过大"},
	"bank_file_encoding":       {invalid, "Bank file encoding", "银行文件编码错误"},
	"bank_file_header":         {invalid, "Bank file header", "银行文件表头错误"},
	"csv_syntax":               {invalid, "CSV syntax", "CSV 格式错误"},
	"column_count":             {invalid, "Column count", "列数错误"},
	"status_unknown":           {invalid, "Unknown status", "未知的状态"},
	"too_many_lines":           {invalid, "Too many lines", "行数过多"},
	"file_name_format":         {invalid, "File name format", "文件名格式错误"},

	// Integrity (issue 10): recorded time, bounds, rules across streams,
	// places and text.
	"time_in_future":                {invalid, "Time in the future", "时间晚于记录时间"},
	"backfill_required":             {invalid, "Backfill required", "补录旧档需补录权限"},
	"backfill_not_permitted":        {forbidden, "Backfill not permitted", "无补录权限"},
	"time_order":                    {invalid, "Out of order", "时间先后顺序错误"},
	"out_of_range":                  {invalid, "Out of range", "超出允许范围"},
	"year_in_future":                {invalid, "Year in the future", "年份晚于当前年份"},
	"complaint_id_year_in_future":   {invalid, "Complaint number of a future year", "投诉编号年份晚于当前年份"},
	"income_too_large":              {invalid, "Income too large", "收入超出上限"},
	"head_relation":                 {invalid, "Head's relation", "户主关系错误"},
	"cadre_not_assigned":            {invalid, "Cadre not assigned", "该干部未结对帮扶此户"},
	"resident_in_household":         {conflict, "Resident in another household", "该身份证号已在其他在册户中"},
	"bank_ref_used":                 {conflict, "Bank reference already used", "银行流水号已被使用"},
	"subject_not_found":             {invalid, "Subject not found", "投诉对象不存在"},
	"amount_too_large":              {invalid, "Amount too large", "金额超出上限"},
	"amount_overflow":               {invalid, "Amount overflow", "金额合计超出上限"},
	"correction_above_remaining":    {conflict, "Correction above what remains", "更正金额超过资金池余额"},
	"value_date_before_instruction": {invalid, "Value date before instruction", "银行记账日期早于支付指令"},
	"division_unknown":              {invalid, "Unknown place", "区划代码不存在"},
	"division_file":                 {invalid, "Division file", "区划文件有误"},
	"text_invalid_utf8":             {invalid, "Not UTF-8 text", "文本编码错误"},
	"text_control_character":        {invalid, "Control character", "文本含控制字符"},
	"text_bidi_control":             {invalid, "Text direction control", "文本含方向控制字符"},
	"correction_resident_id":        {invalid, "Resident ID not correctable", "身份证号不能通过更正修改"},
	"text_invisible_only":           {invalid, "Invisible text only", "文本仅含不可见字符"},
}
