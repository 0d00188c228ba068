package domain

import (
	"strconv"
	"strings"
)

// File-number sequence bounds. Four digits, zero-padded, cover any village
// (the largest have a few thousand households); more digits are allowed for
// the rare village that outgrows them, up to eight.
const (
	FileSequenceDigitsMin = 4
	FileSequenceDigitsMax = 8
	FileSequenceMax       = 99_999_999
)

// Codes of the errors ParseFileNumber and NewFileNumber return.
const (
	CodeFileNumberFormat   = "file_number_format"
	CodeFileNumberVillage  = "file_number_village"
	CodeFileNumberSequence = "file_number_sequence"
)

// FileNumber identifies a filed household (建档立卡户): the 12-digit code of
// its village, a hyphen and a sequence within the village, at least four
// digits, zero-padded: 520526104201-0007. The zero FileNumber is empty
// (IsZero). In JSON it is a string.
type FileNumber struct {
	village  DivisionCode
	sequence int
}

// ParseFileNumber checks s: a village-level division code (see
// ParseDivisionCode; all five levels non-zero), "-", and a sequence of 1 to
// FileSequenceMax written in canonical form — exactly four digits below
// 10000, otherwise without leading zeros — so that each household has one
// spelling ("520526104201-7" and "520526104201-00007" are refused).
func ParseFileNumber(s string) (FileNumber, error) {
	code, seq, ok := strings.Cut(s, "-")
	if !ok || len(code) != DivisionCodeLen || len(seq) < FileSequenceDigitsMin || len(seq) > FileSequenceDigitsMax || !allDigits(seq) {
		return FileNumber{}, Errorf(CodeFileNumberFormat, "file number %q is not a village code, a hyphen and a sequence of %d to %d digits, like 520526104201-0007", s, FileSequenceDigitsMin, FileSequenceDigitsMax)
	}
	village, err := parseVillage(code)
	if err != nil {
		return FileNumber{}, err
	}
	n, _ := strconv.Atoi(seq) // at most 8 digits: cannot fail
	if n == 0 || formatSequence(n) != seq {
		return FileNumber{}, Errorf(CodeFileNumberSequence, "file number %q: the sequence must be 1 or more, written with four digits or, from 10000, without leading zeros", s)
	}
	return FileNumber{village: village, sequence: n}, nil
}

// NewFileNumber returns the file number of the household with sequence in
// village, which must name a village.
func NewFileNumber(village DivisionCode, sequence int) (FileNumber, error) {
	if village.IsZero() || village.Level() != LevelVillage {
		return FileNumber{}, Errorf(CodeFileNumberVillage, "file number: %q is not a village code", village.String())
	}
	if sequence < 1 || sequence > FileSequenceMax {
		return FileNumber{}, Errorf(CodeFileNumberSequence, "file number: sequence %d is not between 1 and %d", sequence, FileSequenceMax)
	}
	return FileNumber{village: village, sequence: sequence}, nil
}

func parseVillage(code string) (DivisionCode, error) {
	c, err := ParseDivisionCode(code)
	if err != nil {
		return DivisionCode{}, Errorf(CodeFileNumberVillage, "file number: %v", err)
	}
	if c.Level() != LevelVillage {
		return DivisionCode{}, Errorf(CodeFileNumberVillage, "file number: %s names a %s, not a village", code, c.Level())
	}
	return c, nil
}

func formatSequence(n int) string {
	s := strconv.Itoa(n)
	if len(s) < FileSequenceDigitsMin {
		s = strings.Repeat("0", FileSequenceDigitsMin-len(s)) + s
	}
	return s
}

// String returns the canonical text, or "" for the zero FileNumber.
func (n FileNumber) String() string {
	if n.IsZero() {
		return ""
	}
	return n.village.String() + "-" + formatSequence(n.sequence)
}

// IsZero reports whether n is the empty zero value.
func (n FileNumber) IsZero() bool { return n.sequence == 0 }

// Village is the code of the household's village.
func (n FileNumber) Village() DivisionCode { return n.village }

// Sequence is the household's number within its village.
func (n FileNumber) Sequence() int { return n.sequence }

// MarshalText returns String.
func (n FileNumber) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText parses with ParseFileNumber; "" gives the zero value.
func (n *FileNumber) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = FileNumber{}
		return nil
	}
	v, err := ParseFileNumber(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
