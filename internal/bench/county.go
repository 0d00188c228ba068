package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Limits of the look-up of a county's IDs before the measurements.
const (
	// discoverHouseholdsMax bounds the households listed for IDs: enough
	// that requests spread over many files, few enough to list quickly.
	discoverHouseholdsMax = 2000
	// discoverPageLen is a page of the search (households.PageLenMax).
	discoverPageLen = 200
	// asOfFilesMax and trailFilesMax bound the files whose timeline is read
	// for an as-of date, and the files with payments kept for drip trails.
	asOfFilesMax  = 50
	trailFilesMax = 50
	// trailProbesMax bounds the drip trails read to find files with payments.
	trailProbesMax = 400
	// checkpointWait bounds the wait for the notary's first checkpoint,
	// which bundles need (serve signs one every 10 s by default).
	checkpointWait = 60 * time.Second
	// requestTimeout bounds one request of the benchmark.
	requestTimeout = 60 * time.Second
	// bodyMax bounds an answer the benchmark reads.
	bodyMax = 64 << 20
)

// chinaTime is where the API's dates (?at=YYYY-MM-DD) are days.
var chinaTime = time.FixedZone("CST", 8*3600)

// client sends the benchmark's requests to one server with its tokens.
type client struct {
	base  string
	http  *http.Client
	audit string // an auditor of the county: reads everything, changes nothing
	desk  string // the county's complaint desk: files complaints
}

func newClient(base string, conns int, audit, desk string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = conns, conns, conns
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: requestTimeout}, audit: audit, desk: desk}
}

// do sends one request and reads the whole answer (its transfer is part of
// the latency); an answer other than 2xx is a *callError. out, if not nil,
// receives the decoded JSON.
func (c *client) do(ctx context.Context, method, path, token string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, bodyMax))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		if len(b) > logTailMax {
			b = b[:logTailMax]
		}
		return &callError{what: method + " " + path, status: resp.StatusCode, body: string(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: answer: %w", method, path, err)
		}
	}
	return nil
}

func (c *client) get(ctx context.Context, path, token string, out any) error {
	return c.do(ctx, http.MethodGet, path, token, nil, out)
}

// county is what the requests are made of: real IDs of the county, found
// by searching it first.
type county struct {
	files    []string // file numbers, in the search's order
	searches []string // query strings of /households: file number, name prefix, village × status
	asOf     []string // paths of as-of reads, each at a date within its file's history
	trails   []string // files with payments (all files if none has one)
	paid     int      // how many of trails have payments
}

// household is what the search answers of a household, as far as the
// benchmark needs it.
type household struct {
	FileNumber string `json:"fileNumber"`
	Village    string `json:"village"`
	Status     string `json:"status"`
	HeadName   string `json:"headName"`
}

// discover lists the county's households and reads a few timelines and
// drip trails to choose the requests' IDs.
func discover(ctx context.Context, c *client) (county, error) {
	var hs []household
	for after := ""; len(hs) < discoverHouseholdsMax; {
		var page struct {
			Households []household `json:"households"`
			Next       string      `json:"next"`
		}
		q := url.Values{"limit": {fmt.Sprint(discoverPageLen)}}
		if after != "" {
			q.Set("after", after)
		}
		if err := c.get(ctx, "/households?"+q.Encode(), c.audit, &page); err != nil {
			return county{}, fmt.Errorf("listing the county's households: %w", err)
		}
		hs = append(hs, page.Households...)
		if after = page.Next; after == "" {
			break
		}
	}
	if len(hs) == 0 {
		return county{}, errors.New("the county has no households to read")
	}
	var k county
	for i, h := range hs {
		k.files = append(k.files, h.FileNumber)
		q := url.Values{}
		switch i % 3 {
		case 0:
			q.Set("fileNumber", h.FileNumber)
		case 1:
			q.Set("name", prefix(h.HeadName, 2))
		case 2:
			q.Set("division", h.Village)
			q.Set("status", h.Status)
		}
		k.searches = append(k.searches, q.Encode())
	}
	for _, f := range k.files[:min(len(k.files), asOfFilesMax)] {
		at, err := midDate(ctx, c, f)
		if err != nil {
			return county{}, err
		}
		if at != "" {
			k.asOf = append(k.asOf, "/households/"+f+"/as-of?at="+at)
		}
	}
	if len(k.asOf) == 0 {
		return county{}, errors.New("no household of the county has a timeline")
	}
	for _, f := range k.files[:min(len(k.files), trailProbesMax)] {
		var trail struct {
			Payments []json.RawMessage `json:"payments"`
		}
		if err := c.get(ctx, "/households/"+f+"/drip-trail", c.audit, &trail); err != nil {
			return county{}, fmt.Errorf("looking for payments: %w", err)
		}
		if len(trail.Payments) > 0 {
			k.trails = append(k.trails, f)
		}
		if len(k.trails) == trailFilesMax {
			break
		}
	}
	if k.paid = len(k.trails); k.paid == 0 {
		k.trails = k.files
	}
	return k, nil
}

// midDate is the day, in China, halfway through file's timeline ("" if it
// has no events): an as-of read there folds part of the history.
func midDate(ctx context.Context, c *client, file string) (string, error) {
	var tl struct {
		Events []struct {
			RecordedAt time.Time `json:"recordedAt"`
		} `json:"events"`
	}
	if err := c.get(ctx, "/households/"+file+"/timeline", c.audit, &tl); err != nil {
		return "", fmt.Errorf("reading a timeline for an as-of date: %w", err)
	}
	if len(tl.Events) == 0 {
		return "", nil
	}
	first, last := tl.Events[0].RecordedAt, tl.Events[len(tl.Events)-1].RecordedAt
	return first.Add(last.Sub(first) / 2).In(chinaTime).Format(time.DateOnly), nil
}

// prefix is the first n characters of s.
func prefix(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// waitForCheckpoint waits until the notary has signed a checkpoint, which
// a bundle needs, at most checkpointWait.
func waitForCheckpoint(ctx context.Context, c *client) error {
	deadline := time.Now().Add(checkpointWait)
	for {
		err := c.get(ctx, "/checkpoints/latest", c.audit, nil)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no signed checkpoint within %v, so no bundle: %w", checkpointWait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// read is one kind of read the benchmark measures: its name and the path
// of its i-th request, read as the county's auditor.
type read struct {
	name string
	path func(i int) string
}

// healthz is the yardstick every read is measured beside: the server's
// cheapest answer, through the same connections, in the same run.
var healthz = read{"healthz", func(int) string { return "/healthz" }}

// reads are the reads issue 11 names, each spread over the county's IDs.
func (k county) reads() []read {
	levels := []string{"village", "township", "county"}
	pick := func(s []string, i int) string { return s[i%len(s)] }
	return []read{
		{"timeline", func(i int) string { return "/households/" + pick(k.files, i) + "/timeline" }},
		{"as-of", func(i int) string { return pick(k.asOf, i) }},
		{"drip trail", func(i int) string { return "/households/" + pick(k.trails, i) + "/drip-trail" }},
		{"search", func(i int) string { return "/households?" + pick(k.searches, i) }},
		{"stats", func(i int) string { return "/stats/households?level=" + pick(levels, i) }},
		{"red flags", func(int) string { return "/redflags" }},
		{"bundle", func(i int) string { return "/households/" + pick(k.files, i) + "/bundle" }},
	}
}

// complaint is the i-th complaint the command measurement files: a new
// number each (desk is this run's desk number, so runs on one county do not
// collide), about a real household of the county.
func (k county) complaint(desk string, year, i int) []byte {
	f := k.files[i%len(k.files)]
	b, _ := json.Marshal(map[string]any{
		"complaintId": fmt.Sprintf("%s-%d-%08d", desk, year, i+1),
		"channel":     "phone_12317", "category": "money_not_received",
		"subject":     map[string]any{"kind": "household", "ref": f},
		"division":    f[:12],
		"complainant": map[string]any{"kind": "anonymous"},
		"text":        "The benchmark's complaint: our subsidy never came.",
	})
	return b
}
