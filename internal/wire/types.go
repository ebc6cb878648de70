package wire

// This file is the one definition of the JSON that crosses the wire (internal/wire/testdata/spec/api.md §3–§9). The provider's client
// and itwin-local both use these structs, so the two can never disagree about a field name.
//
// Request bodies leave optional fields out (omitempty/omitzero): the spec says a missing field and null mean the
// same ("not set"). Responses of the iTwins and iModels APIs send such fields as null instead (spec §10 row 19),
// through the MarshalJSON methods below; PATCH bodies that must tell "clear" from "keep" use Optional.

import (
	"encoding/json"
	"strings"
	"time"
)

// Link is a HAL-style link object.
type Link struct {
	Href string `json:"href"`
}

// PagingLinks are the _links of every paged list (§1.5).
type PagingLinks struct {
	Self *Link `json:"self,omitempty"`
	Prev *Link `json:"prev,omitempty"`
	Next *Link `json:"next,omitempty"`
}

// Timestamp is an ISO 8601 UTC date. It accepts 0–7 fraction digits and always emits 7 (§1.3).
type Timestamp struct{ time.Time }

// TimestampLayout is the exact layout the local server emits.
const TimestampLayout = "2006-01-02T15:04:05.0000000Z"

// NewTimestamp returns t in UTC as a Timestamp.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC()} }

// MarshalJSON emits 7 fraction digits with a Z suffix.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(TimestampLayout) + `"`), nil
}

// UnmarshalJSON accepts RFC 3339 with any number of fraction digits; null leaves the zero value.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*t = Timestamp{}
		return nil
	}
	var raw string
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == "" {
		*t = Timestamp{}
		return nil
	}
	parsed, err := ParseTimestamp(raw)
	if err != nil {
		return err
	}
	*t = Timestamp{parsed}
	return nil
}

// ParseTimestamp parses an ISO 8601 date as the API emits it. A missing zone is read as UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if !strings.HasSuffix(s, "Z") && !strings.ContainsAny(s[min(len(s), 19):], "+-") {
		s += "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// --- Errors (§1.6) ---

// ErrorEnvelope is the body of every 4xx/5xx answer except the token endpoint's.
type ErrorEnvelope struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the inner error object.
type ErrorBody struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Target  string        `json:"target,omitempty"`
	Details []ErrorDetail `json:"details,omitempty"`
}

// ErrorDetail is one item of error.details[].
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

// Optional is a field of a PATCH body with three states: absent (keep the value), null (clear it) or a value.
// Tag it `omitzero` so that the absent state is left out.
type Optional[T any] struct {
	Set   bool // false: absent
	Value *T   // nil with Set: null
}

// Some is an Optional holding v; Null is the Optional that clears.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: &v} }

// Null is the Optional that clears a field.
func Null[T any]() Optional[T] { return Optional[T]{Set: true} }

// IsZero reports the absent state, for omitzero.
func (o Optional[T]) IsZero() bool { return !o.Set }

// MarshalJSON writes the value or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*o.Value)
}

// UnmarshalJSON records that the field was present, and its value unless it was null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// nullIfEmpty is nil for "", so that a response field with no value is sent as null.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
