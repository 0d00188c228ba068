package scorecard

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// DefaultCardID is the card Default returns: Weining's "four views".
const DefaultCardID = "weining-four-views"

//go:embed cards/*.json
var builtinFiles embed.FS

// Load reads one card in JSON (at most CardBytesMax bytes, no unknown
// fields, nothing after the object) and validates it. It returns an
// *events.InvalidError naming every problem: a JSON error as one problem
// with CodeCardSyntax, or every rule the card breaks (Card.Validate).
func Load(r io.Reader) (*Card, error) {
	data, err := io.ReadAll(io.LimitReader(r, CardBytesMax+1))
	if err != nil {
		return nil, fmt.Errorf("scorecard: reading a card: %w", err)
	}
	var ps domain.Problems
	if len(data) > CardBytesMax {
		ps.Addf("", CodeCardLimit, "the card is above the limit of %d bytes", CardBytesMax)
		return nil, ps.Err()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Card
	if err := dec.Decode(&c); err != nil {
		ps.Addf("", CodeCardSyntax, "the card is not valid JSON for a scorecard: %v", err)
		return nil, ps.Err()
	}
	if _, err := dec.Token(); err != io.EOF {
		ps.Addf("", CodeCardSyntax, "the card has more after its JSON object")
		return nil, ps.Err()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadDir loads every *.json file at the top of fsys (sorted by name; at
// most CardFilesMax) into a Catalog. Problems from every file are reported
// at once, each under files["name"]; a second card with the same id and
// version is refused with CodeCardDuplicateVersion.
func LoadDir(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("scorecard: listing cards: %w", err)
	}
	sort.Strings(names)
	var ps domain.Problems
	if len(names) > CardFilesMax {
		ps.Addf("files", CodeCardLimit, "%d card files, above the limit of %d", len(names), CardFilesMax)
		return nil, ps.Err()
	}
	cat := &Catalog{}
	for _, name := range names {
		field := "files[" + strconv.Quote(path.Base(name)) + "]"
		c, err := loadFile(fsys, name)
		var inv *events.InvalidError
		switch {
		case errors.As(err, &inv):
			ps.Add(field, err)
		case err != nil:
			return nil, err // reading failed: not the card's fault
		default:
			if err := cat.add(c); err != nil {
				ps.Add(field, err)
			}
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return cat, nil
}

func loadFile(fsys fs.FS, name string) (*Card, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("scorecard: %w", err)
	}
	defer f.Close()
	return Load(f)
}

// Catalog is a set of validated cards, several versions of each.
type Catalog struct {
	cards []*Card // sorted by ID, then Version
}

// NewCatalog validates cards and collects them, refusing a repeated id and
// version.
func NewCatalog(cards ...*Card) (*Catalog, error) {
	cat := &Catalog{}
	var ps domain.Problems
	for i, c := range cards {
		field := fmt.Sprintf("cards[%d]", i)
		if err := c.Validate(); err != nil {
			ps.Add(field, err)
			continue
		}
		if err := cat.add(c); err != nil {
			ps.Add(field, err)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return cat, nil
}

func (cat *Catalog) add(c *Card) error {
	i := sort.Search(len(cat.cards), func(i int) bool {
		o := cat.cards[i]
		return o.ID > c.ID || o.ID == c.ID && o.Version >= c.Version
	})
	if i < len(cat.cards) && cat.cards[i].ID == c.ID && cat.cards[i].Version == c.Version {
		return domain.Errorf(CodeCardDuplicateVersion, "card %s v%d is already loaded", c.ID, c.Version)
	}
	cat.cards = slices.Insert(cat.cards, i, c)
	return nil
}

// Card returns the card with id and version.
func (cat *Catalog) Card(id string, version int) (*Card, bool) {
	for _, c := range cat.cards {
		if c.ID == id && c.Version == version {
			return c, true
		}
	}
	return nil, false
}

// Latest returns the highest version of the card with id.
func (cat *Catalog) Latest(id string) (*Card, bool) {
	var latest *Card
	for _, c := range cat.cards {
		if c.ID == id {
			latest = c
		}
	}
	return latest, latest != nil
}

// Cards returns every card, by id and then version. The cards are shared:
// treat them as read-only.
func (cat *Catalog) Cards() []*Card { return append([]*Card(nil), cat.cards...) }

// Verify finds the card a stored assessment names and verifies the
// assessment with it (see Verify); an unknown card is CodeAssessmentCard.
func (cat *Catalog) Verify(a Assessment) error {
	c, ok := cat.Card(a.CardID, a.CardVersion)
	if !ok {
		return domain.Errorf(CodeAssessmentCard, "card %s v%d is not in the catalog", a.CardID, a.CardVersion)
	}
	return Verify(c, a)
}

// Builtin returns a new Catalog of the cards embedded in Drip (cards/*.json).
// Each call parses them afresh, so callers never share a card. It panics if
// an embedded card is invalid: that is a build defect the package's tests
// catch, not a runtime condition.
func Builtin() *Catalog {
	sub, err := fs.Sub(builtinFiles, "cards")
	if err == nil {
		var cat *Catalog
		if cat, err = LoadDir(sub); err == nil {
			return cat
		}
	}
	panic("scorecard: embedded cards are invalid: " + err.Error())
}

// Default returns the latest version of Weining's "four views" card.
func Default() *Card {
	c, ok := Builtin().Latest(DefaultCardID)
	if !ok {
		panic("scorecard: the embedded cards lack " + DefaultCardID)
	}
	return c
}
