package modelstore_test

import (
	"testing"

	"github.com/drip-ledger/drip/projections/modelstore"
	"github.com/drip-ledger/drip/projections/modelstore/modeltest"
)

func TestMemoryConformance(t *testing.T) {
	modeltest.Run(t, func(t *testing.T) modelstore.Store { return new(modelstore.Memory) })
}
