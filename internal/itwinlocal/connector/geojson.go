package connector

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// GeoJSON reads GeoJSON (RFC 7946) files of the GEOSPATIAL connector: a FeatureCollection or a single Feature.
//
// Every feature is an element of class "Feature", keyed by its "id" (a string, or a number as written) or, when
// it has none, by "feature[<index>]" (its position in "features", from 0). The hash is the SHA-256 of the
// canonical JSON of {"geometry": ..., "properties": ...}: object keys sorted, no insignificant whitespace,
// numbers in their shortest form (1.0 and 1 are equal; integers beyond 2^53 are kept as written), so
// re-serialising a file with a different key order or indentation changes nothing. Other feature members
// (bbox, foreign members) are not part of the hash.
//
// The "features" array is streamed one feature at a time, so memory is bounded by the largest feature plus the
// set of ids. A missing geometry counts as null. Errors are TAE_PARSE_ERROR naming the feature (and its line
// when known): invalid JSON, a top-level value that is not a FeatureCollection or Feature, a feature whose type
// is not "Feature", an id that is not a non-empty string or a number, a geometry or properties that is not an
// object or null, and two features with the same key.
type GeoJSON struct{}

// lineRetainBytes is how much recently read input is kept to turn a byte offset into a line number.
const lineRetainBytes = 1 << 20

// geoFeature is decoded in one pass: geometry and properties straight into generic values (numbers as
// json.Number, thanks to UseNumber), which are then written canonically.
type geoFeature struct {
	Type       *string         `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   any             `json:"geometry"`
	Properties any             `json:"properties"`
}

// Extract implements Connector.
func (GeoJSON) Extract(ctx context.Context, r io.Reader, _ Options, emit func(Element) error) error {
	lt := &lineTracker{r: ctxReader{ctx, r}}
	dec := json.NewDecoder(lt)
	dec.UseNumber()
	g := &geoParser{ctx: ctx, dec: dec, lt: lt, seen: map[string]int{}}
	return g.run(emit)
}

type geoParser struct {
	ctx  context.Context
	dec  *json.Decoder
	lt   *lineTracker
	seen map[string]int // key -> index of the feature that has it
	buf  bytes.Buffer
}

// fail turns a decoder error into the right error kind, located at offset (the value being read).
func (g *geoParser) fail(err error, where string, offset int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		msg := err.Error()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "unexpected end of file"
		}
		return g.errorAt(offset, "%s: invalid JSON: %s", where, strings.TrimPrefix(msg, "json: "))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		return g.errorAt(offset, "%s: %s must not be a JSON %s", where, field, te.Value)
	}
	return readError(g.ctx, err)
}

func (g *geoParser) errorAt(offset int64, format string, args ...any) *Error {
	return parseError(g.lt.lineAtValue(offset), format, args...)
}

func (g *geoParser) run(emit func(Element) error) error {
	dec := g.dec
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return parseError(0, "empty file: expected a GeoJSON FeatureCollection or Feature object")
		}
		return g.fail(err, "top level", dec.InputOffset())
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return g.errorAt(0, "top level: expected a GeoJSON object, found %v", tok)
	}
	var (
		typ         string
		sawType     bool
		sawFeatures bool
		single      geoFeature
		count       int
	)
	for dec.More() {
		keyOff := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return g.fail(err, "top level", keyOff)
		}
		key, _ := tok.(string)
		valOff := dec.InputOffset()
		switch key {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return g.fail(err, `top-level "type"`, valOff)
			}
			sawType = true
		case "features":
			if sawFeatures {
				return g.errorAt(valOff, `"features" appears twice`)
			}
			sawFeatures = true
			tok, err := dec.Token()
			if err != nil {
				return g.fail(err, `"features"`, valOff)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return g.errorAt(valOff, `"features" must be an array`)
			}
			for dec.More() {
				where := fmt.Sprintf("features[%d]", count)
				off := dec.InputOffset()
				var f geoFeature
				if err := dec.Decode(&f); err != nil {
					return g.fail(err, where, off)
				}
				el, err := g.element(&f, count, where, off)
				if err != nil {
					return err
				}
				if err := emit(el); err != nil {
					return err
				}
				count++
			}
			if _, err := dec.Token(); err != nil { // the closing ']'
				return g.fail(err, `"features"`, dec.InputOffset())
			}
		case "id":
			err = dec.Decode(&single.ID)
		case "geometry":
			err = dec.Decode(&single.Geometry)
		case "properties":
			err = dec.Decode(&single.Properties)
		default:
			var skip json.RawMessage // foreign members (bbox, crs, name, ...) are not part of any element
			err = dec.Decode(&skip)
		}
		if err != nil {
			return g.fail(err, fmt.Sprintf("top-level %q", key), valOff)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return g.fail(err, "top level", dec.InputOffset())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return g.fail(err, "after the top-level object", dec.InputOffset())
		}
		return g.errorAt(dec.InputOffset(), "unexpected data after the top-level object")
	}
	switch {
	case !sawType:
		return parseError(0, `top level: missing "type" (expected "FeatureCollection" or "Feature")`)
	case typ == "FeatureCollection":
		if !sawFeatures {
			return parseError(0, `FeatureCollection without a "features" array`)
		}
		return nil
	case typ == "Feature":
		if sawFeatures {
			return parseError(0, `a Feature must not have a "features" member`)
		}
		t := "Feature"
		single.Type = &t
		el, err := g.element(&single, 0, "feature", 0)
		if err != nil {
			return err
		}
		return emit(el)
	}
	return parseError(0, "top-level type %q: expected \"FeatureCollection\" or \"Feature\"", typ)
}

func (g *geoParser) element(f *geoFeature, index int, where string, off int64) (Element, error) {
	if f.Type == nil || *f.Type != "Feature" {
		return Element{}, g.errorAt(off, `%s: "type" must be "Feature"`, where)
	}
	key := fmt.Sprintf("feature[%d]", index)
	id := bytes.TrimSpace(f.ID)
	switch {
	case len(id) == 0 || string(id) == "null":
	case id[0] == '"':
		var s string
		if err := json.Unmarshal(id, &s); err != nil || s == "" {
			return Element{}, g.errorAt(off, `%s: "id" must be a non-empty string or a number`, where)
		}
		key = s
	case id[0] == '-' || id[0] >= '0' && id[0] <= '9':
		key = string(id)
	default:
		return Element{}, g.errorAt(off, `%s: "id" must be a string or a number, found %s`, where, preview(id))
	}
	if first, dup := g.seen[key]; dup {
		return Element{}, g.errorAt(off, "%s: key %q is also used by features[%d]", where, key, first)
	}
	g.seen[key] = index

	for i, v := range []any{f.Geometry, f.Properties} {
		if _, isObject := v.(map[string]any); v != nil && !isObject {
			return Element{}, g.errorAt(off, `%s: %q must be an object or null`, where, []string{"geometry", "properties"}[i])
		}
	}
	g.buf.Reset()
	g.buf.WriteString(`{"geometry":`)
	writeCanonicalJSON(&g.buf, f.Geometry)
	g.buf.WriteString(`,"properties":`)
	writeCanonicalJSON(&g.buf, f.Properties)
	g.buf.WriteByte('}')
	sum := sha256.Sum256(g.buf.Bytes())
	return Element{Key: key, Class: "Feature", Hash: hex.EncodeToString(sum[:])}, nil
}

// writeCanonicalJSON writes v (as decoded with UseNumber) with sorted keys, canonical numbers and minimal
// string escapes.
func writeCanonicalJSON(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(v))
	case json.Number:
		w.WriteString(canonicalNumber(string(v)))
	case string:
		writeCanonicalString(w, v)
	case []any:
		w.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				w.WriteByte(',')
			}
			writeCanonicalJSON(w, e)
		}
		w.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.WriteByte(',')
			}
			writeCanonicalString(w, k)
			w.WriteByte(':')
			writeCanonicalJSON(w, v[k])
		}
		w.WriteByte('}')
	default:
		// json.Decoder into any produces only the types above
		panic(fmt.Sprintf("unexpected JSON value %T", v))
	}
}

// writeCanonicalString quotes s escaping only '"', '\\' and control characters (decoded strings are valid
// UTF-8), so one string has one spelling whatever escapes the file used.
func writeCanonicalString(w *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		w.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			w.WriteByte('\\')
			w.WriteByte(c)
		default:
			w.WriteString(`\u00`)
			w.WriteByte(hexDigits[c>>4])
			w.WriteByte(hexDigits[c&15])
		}
		start = i + 1
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
}

// canonicalNumber gives one spelling per number value: the shortest float64 form, except integers written
// without fraction or exponent beyond 2^53, which float64 cannot hold exactly and so stay as written.
func canonicalNumber(lit string) string {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return lit
	}
	if !strings.ContainsAny(lit, ".eE") && math.Abs(f) >= 1<<53 {
		return strings.TrimPrefix(lit, "+")
	}
	if f == 0 {
		return "0" // -0 and 0 are the same coordinate
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// lineTracker counts lines in what the JSON decoder reads and keeps the last lineRetainBytes of input, so an
// error at a byte offset can name its line without keeping the whole file.
type lineTracker struct {
	r      io.Reader
	off    int64
	lines  int
	chunks []trackedChunk
	kept   int
}

type trackedChunk struct {
	start       int64
	linesBefore int
	data        []byte
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		c := trackedChunk{start: t.off, linesBefore: t.lines, data: append([]byte(nil), p[:n]...)}
		t.lines += bytes.Count(p[:n], []byte{'\n'})
		t.off += int64(n)
		t.chunks = append(t.chunks, c)
		t.kept += n
		for len(t.chunks) > 1 && t.kept-len(t.chunks[0].data) >= lineRetainBytes {
			t.kept -= len(t.chunks[0].data)
			t.chunks[0] = trackedChunk{}
			t.chunks = t.chunks[1:]
		}
	}
	return n, err
}

// lineAtValue returns the 1-based line of the first byte at or after offset that is not whitespace or a
// comma (the decoder's offsets point before the separator of the value it reads), or 0 when that part of the
// input is no longer kept.
func (t *lineTracker) lineAtValue(offset int64) int {
	for i, c := range t.chunks {
		end := c.start + int64(len(c.data))
		if offset < c.start || offset >= end {
			continue
		}
		lines := c.linesBefore + bytes.Count(c.data[:offset-c.start], []byte{'\n'})
		for j := i; j < len(t.chunks); j++ {
			cj := t.chunks[j]
			from := int64(0)
			if j == i {
				from = offset - c.start
			}
			for _, b := range cj.data[from:] {
				switch b {
				case '\n':
					lines++
				case ' ', '\t', '\r', ',':
				default:
					return lines + 1
				}
			}
		}
		return lines + 1
	}
	if offset >= t.off {
		return t.lines + 1
	}
	return 0
}
