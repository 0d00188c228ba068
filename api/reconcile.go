package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/reconcile"
	"github.com/drip-ledger/drip/events"
	"github.com/drip-ledger/drip/export"
	"github.com/drip-ledger/drip/projections/redflags"
	"github.com/labstack/echo/v4"
)

// Reconciliation is the finance bureau's and the auditors' side: bank
// files, the instructions the bank has not answered, and the red flags.
type Reconciliation struct {
	// Files imports bank files and answers their reports.
	Files *reconcile.Service
	// Flags answers the red flags and the unreconciled instructions.
	Flags *redflags.View
	// UnreconciledDays is the default age of an unanswered instruction
	// (?olderThanDays=), 3 if zero.
	UnreconciledDays int
}

// Limits of the reconciliation endpoints.
const (
	// filesPerUploadMax bounds the bank files of one upload (a batch).
	filesPerUploadMax = 20
	olderThanDaysMax  = 3660
)

var (
	financeRoles = []domain.Role{domain.RoleCountyFinance}
	auditRoles   = []domain.Role{domain.RoleAuditor, domain.RoleCountyPAO, domain.RoleCountyFinance, domain.RoleAdmin}
)

func (s *Server) reconcileRoutes() []route {
	r := s.deps.Reconciliation
	if r == nil || r.Files == nil || r.Flags == nil {
		return nil
	}
	return []route{
		{method: http.MethodPost, path: "/reconciliations", tag: "reconciliation", roles: financeRoles, response: reconcile.Batch{}, handler: s.importBankFiles,
			summary: "Import bank return files (multipart/form-data, one or more \"file\" parts, or one text/csv body named by ?name=): each is checked whole (every bad line named, nothing written) and applied all or nothing; the same bytes again change nothing, or finish an import that stopped midway; the same file being imported by another request answers 409 bank_file_in_progress. Answers the batch's report; ?format=json|csv|xlsx."},
		{method: http.MethodGet, path: "/reconciliations/unmatched", tag: "reconciliation", roles: auditRoles, response: redflags.UnreconciledPage{}, handler: s.unmatched,
			summary: "Instructions the bank has not answered (neither settled nor failed) after ?olderThanDays= days (default 3), in your jurisdiction, oldest first: ?after= (the next of the previous page) ?limit= ?position="},
		{method: http.MethodGet, path: "/reconciliations/:hash", tag: "reconciliation", roles: auditRoles, response: reconcile.Report{}, handler: s.reconciliation,
			summary: "An imported bank file's report by its SHA-256: tallies per outcome and every line that did not settle; a file whose import began and has not finished answers status in_progress and how many lines are applied (upload it again to finish); Accept or ?format=json|csv|xlsx."},
		{method: http.MethodGet, path: "/redflags", tag: "audit", roles: auditRoles, response: redflags.Page{}, handler: s.redFlags,
			summary: "Audit red flags in your jurisdiction, each with the positions of the events that prove it, by county and kind (idle funds and unreconciled payments oldest first): ?kind= ?county= ?after= (the next of the previous page) ?limit= ?position="},
	}
}

func requireRole(c echo.Context, roles []domain.Role) error {
	if r := claimsOf(c).Role; !slices.Contains(roles, r) {
		return &domain.Error{Code: "role_not_permitted", Message: fmt.Sprintf("role %s may not do this; allowed: %v", r, roles)}
	}
	return nil
}

// upload is one bank file of a request.
type upload struct {
	name string
	data []byte
}

func (s *Server) importBankFiles(c echo.Context) error {
	if err := requireRole(c, financeRoles); err != nil {
		return err
	}
	format, err := reportFormat(c)
	if err != nil {
		return err
	}
	files, err := uploads(c)
	if err != nil {
		return err
	}
	claims := claimsOf(c)
	req := domain.Request{Actor: claims.Actor(), At: s.deps.Now().UTC(), CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID)}
	var reports []reconcile.Report
	var ps domain.Problems
	for i, f := range files {
		r, err := s.deps.Reconciliation.Files.Import(c.Request().Context(), req, f.name, f.data)
		if err != nil {
			if len(files) == 1 {
				return err
			}
			ps.Add(fmt.Sprintf("files[%d]", i), err) // every file's problems, each named
			continue
		}
		reports = append(reports, r)
	}
	if err := ps.Err(); err != nil {
		if len(reports) > 0 {
			return &partialImport{err: err, imported: reports}
		}
		return err
	}
	status := http.StatusOK
	for _, r := range reports {
		if !r.Replayed {
			status = http.StatusCreated
		}
		c.Response().Header().Set(headerPosition, strconv.FormatUint(r.Position, 10))
	}
	return renderReport(c, status, format, reconcile.NewBatch(reports...), reconcile.NewBatch(reports...))
}

// partialImport is a batch of which some files were refused and the others
// imported: the answer is the refusal, and it must say what was written.
type partialImport struct {
	err      error
	imported []reconcile.Report
}

func (e *partialImport) Error() string {
	return fmt.Sprintf("%v (the other %d files were imported)", e.err, len(e.imported))
}
func (e *partialImport) Unwrap() error { return e.err }

// uploads reads the request's bank files: multipart "file" parts, or the
// body itself as text/csv.
func uploads(c echo.Context) ([]upload, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil {
		mt = ""
	}
	switch mt {
	case "text/csv", "application/csv", "application/octet-stream":
		data, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return nil, bodyErr(err)
		}
		name := c.QueryParam("name")
		if name == "" {
			name = "upload.csv"
		}
		return []upload{{name: name, data: data}}, nil
	case "multipart/form-data":
		form, err := c.MultipartForm()
		if err != nil {
			return nil, bodyErr(err)
		}
		hs := form.File["file"]
		if len(hs) == 0 || len(hs) > filesPerUploadMax {
			return nil, invalid(fieldProblem("file", fmt.Sprintf("send 1 to %d parts named \"file\", not %d", filesPerUploadMax, len(hs))))
		}
		var out []upload
		for _, h := range hs {
			f, err := h.Open()
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(io.LimitReader(f, reconcile.FileBytesMax+1))
			f.Close()
			if err != nil {
				return nil, err
			}
			out = append(out, upload{name: h.Filename, data: data})
		}
		return out, nil
	}
	return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the bank file as text/csv, or as multipart/form-data parts named \"file\"")
}

func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, err.Error())
	}
	return echo.NewHTTPError(http.StatusBadRequest, err.Error())
}

func (s *Server) reconciliation(c echo.Context) error {
	if err := requireRole(c, auditRoles); err != nil {
		return err
	}
	format, err := reportFormat(c)
	if err != nil {
		return err
	}
	req := domain.Request{Actor: claimsOf(c).Actor(), At: s.deps.Now().UTC()}
	r, err := s.deps.Reconciliation.Files.Report(c.Request().Context(), req, c.Param("hash"))
	if slices.Contains(domain.Codes(err), reconcile.CodeNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	}
	if err != nil {
		return err
	}
	return renderReport(c, http.StatusOK, format, r, reconcile.NewBatch(r))
}

// reportFormat is ?format= or, without it, what Accept prefers.
func reportFormat(c echo.Context) (string, error) {
	switch f := c.QueryParam("format"); f {
	case "json", "csv", "xlsx":
		return f, nil
	case "":
	default:
		return "", invalid(fieldProblem("format", "must be json, csv or xlsx"))
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	switch {
	case strings.Contains(accept, "spreadsheetml"):
		return "xlsx", nil
	case strings.Contains(accept, "text/csv"):
		return "csv", nil
	}
	return "json", nil
}

// renderReport answers v as JSON, or the batch as CSV or XLSX.
func renderReport(c echo.Context, status int, format string, v any, b reconcile.Batch) error {
	if format == "json" {
		return c.JSON(status, v)
	}
	tables := make([]export.Table, 0, 2)
	for _, t := range b.Tables() {
		tables = append(tables, export.Table(t))
	}
	var buf bytes.Buffer
	ct, write := export.ContentTypeCSV, export.CSV
	if format == "xlsx" {
		ct, write = export.ContentTypeXLSX, export.XLSX
	}
	if err := write(&buf, tables); err != nil {
		return err
	}
	name := "reconciliation"
	if len(b.Files) == 1 {
		name += "-" + b.Files[0].SHA256[:12]
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name+"."+format))
	return c.Blob(status, ct, buf.Bytes())
}

func (s *Server) unmatched(c echo.Context) error {
	if err := requireRole(c, auditRoles); err != nil {
		return err
	}
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	days := s.deps.Reconciliation.UnreconciledDays
	if days == 0 {
		days = 3
	}
	if v := q.Get("olderThanDays"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 0 || days > olderThanDaysMax {
			ps.Addf("olderThanDays", "must be a whole number of days in 0..%d", olderThanDaysMax)
		}
	}
	after := q.Get("after") // the next of the previous page: a bad one lists nothing
	limit := pageLimit(q, redflags.PageLenMax, &ps)
	checkParams(q, &ps, "olderThanDays", "after", "limit", "position")
	if err := ps.Err(); err != nil {
		return err
	}
	page, err := s.deps.Reconciliation.Flags.Unreconciled(c.Request().Context(), redflags.UnreconciledQuery{Within: j, Now: s.deps.Now(),
		OlderThanDays: days, After: after, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) redFlags(c echo.Context) error {
	if err := requireRole(c, auditRoles); err != nil {
		return err
	}
	j, err := s.readStart(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	var ps events.Problems
	query := redflags.Query{Within: j, Kind: redflags.Kind(q.Get("kind")), County: q.Get("county"), Now: s.deps.Now(),
		After: q.Get("after"), Limit: pageLimit(q, redflags.PageLenMax, &ps)}
	s.checkDivisionParam("county", q.Get("county"), &ps)
	if query.Kind != "" && !slices.Contains(redflags.Kinds(), query.Kind) {
		ps.Addf("kind", "must be one of %v", redflags.Kinds())
	}
	checkParams(q, &ps, "kind", "county", "after", "limit", "position")
	if err := ps.Err(); err != nil {
		return err
	}
	page, err := s.deps.Reconciliation.Flags.Flags(c.Request().Context(), query)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
