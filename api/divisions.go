package api

import (
	"reflect"
	"strconv"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

var (
	divisionCodeType = reflect.TypeFor[domain.DivisionCode]()
	jurisdictionType = reflect.TypeFor[domain.Jurisdiction]()
)

// checkDivisions looks every division code and jurisdiction of a decoded
// command body up in the registry (Deps.Divisions), so that a village that
// does not exist (520526104299) is refused where it enters, whatever the
// command: one walk here instead of a check in each aggregate. Each unknown
// code is named by its JSON path, with the code division_unknown.
func (s *Server) checkDivisions(body any) error {
	if s.deps.Divisions == nil {
		return nil
	}
	var ps domain.Problems
	s.walkDivisions("", reflect.ValueOf(body), &ps, 0)
	return ps.Err()
}

func (s *Server) walkDivisions(path string, v reflect.Value, ps *domain.Problems, depth int) {
	if depth > decodeDepthMax*2 {
		return
	}
	switch {
	case v.Type() == divisionCodeType:
		if c := v.Interface().(domain.DivisionCode); !c.IsZero() {
			if err := s.deps.Divisions.Check(c); err != nil {
				ps.Add(orBody(path), err)
			}
		}
		return
	case v.Type() == jurisdictionType:
		if j := v.Interface().(domain.Jurisdiction); !j.IsZero() {
			if err := s.deps.Divisions.CheckJurisdiction(j); err != nil {
				ps.Add(orBody(path), err)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		// Bodies carry most codes as plain strings (village, villages,
		// division, county); the shape is the command's to check, the
		// existence is checked here once it is a well-formed code.
		if placeFields[lastName(path)] && v.String() != "" {
			if j, err := domain.ParseJurisdiction(v.String()); err == nil && j.Level() != domain.LevelNation {
				if err := s.deps.Divisions.CheckJurisdiction(j); err != nil {
					ps.Add(orBody(path), err)
				}
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			s.walkDivisions(path, v.Elem(), ps, depth+1)
		}
	case reflect.Struct:
		for name, idx := range jsonFields(v.Type()) {
			s.walkDivisions(joinPath(path, name), v.FieldByIndex(idx), ps, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			s.walkDivisions(path+"["+strconv.Itoa(i)+"]", v.Index(i), ps, depth+1)
		}
	}
}

// placeFields are the JSON names of the string fields of command bodies
// that hold a division code.
var placeFields = map[string]bool{"village": true, "villages": true, "division": true, "county": true, "township": true}

// checkDivisionParam checks a query parameter that names a place
// (division=, county=): empty is no filter; otherwise it must be a
// division-code prefix of a place in the registry.
func (s *Server) checkDivisionParam(field, v string, ps *events.Problems) {
	if v == "" {
		return
	}
	j, err := domain.ParseJurisdiction(v)
	if err != nil {
		ps.Add(field, err.Error())
		return
	}
	if s.deps.Divisions == nil {
		return
	}
	if err := s.deps.Divisions.CheckJurisdiction(j); err != nil {
		*ps = append(*ps, events.Problem{Field: field, Reason: err.Error(), Cause: err})
	}
}
