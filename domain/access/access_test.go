package access_test

import (
	"strings"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/access"
)

func TestViewedValidation(t *testing.T) {
	cases := []struct {
		name  string
		v     access.Viewed
		codes []string
	}{
		{"a household detail read is valid", access.Viewed{FileNumber: "520526104201-0007", View: access.ViewDetail}, nil},
		{"a search names no household", access.Viewed{View: access.ViewSearch, Query: "name=Zhang"}, nil},
		{"a detail read needs a file number", access.Viewed{View: access.ViewDetail}, []string{"file_number_format"}},
		{"an unknown view", access.Viewed{FileNumber: "520526104201-0007", View: "peek"}, []string{"access_view_unknown"}},
		{"a search with a file number", access.Viewed{FileNumber: "520526104201-0007", View: access.ViewSearch}, []string{"access_file_on_search"}},
		{"an overlong query", access.Viewed{View: access.ViewSearch, Query: strings.Repeat("x", access.QueryBytesMax+1)}, []string{"access_query_invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.Codes(c.v.Validate())
			if len(got) != len(c.codes) {
				t.Fatalf("codes = %v, want %v", got, c.codes)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.codes[i]) {
					t.Fatalf("codes = %v, want %v", got, c.codes)
				}
			}
		})
	}
}

func TestClipKeepsWholeRunesWithinTheLimit(t *testing.T) {
	q := strings.Repeat("张", access.QueryBytesMax) // 3 bytes each
	c := access.Clip(q)
	if len(c) > access.QueryBytesMax || !strings.HasPrefix(q, c) || len(c)%3 != 0 {
		t.Fatalf("clipped to %d bytes", len(c))
	}
	if access.Clip("short") != "short" {
		t.Fatal("a short query was changed")
	}
}
