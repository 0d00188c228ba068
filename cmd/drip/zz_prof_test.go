package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
)

func TestZZProfileDemo(t *testing.T) {
	if os.Getenv("DRIP_PROF") == "" {
		t.Skip()
	}
	sum, err := loadDemo(context.Background(), demoConfig{DataDir: t.TempDir(), Households: 300, Seed: 1, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events %d requests in %v", sum.Events, sum.Requests, sum.Took)
}
