package connector

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// IFC reads IFC files: ISO 10303-21 ("STEP physical file") text, e.g.
//
//	ISO-10303-21;
//	HEADER; FILE_DESCRIPTION(...); FILE_NAME(...); FILE_SCHEMA(('IFC4')); ENDSEC;
//	DATA;
//	#42= IFCWALL('2O2Fr$t4X7Zf8NOew3FLOH',#5,'Wall 1',$,$,#40,#41,$,.STANDARD.);
//	ENDSEC;
//	END-ISO-10303-21;
//
// Reading is streaming (a fixed buffer, one statement at a time); whitespace, line breaks and /* comments */
// outside strings are not significant, and strings (a doubled quote is a quote) may hold ';', '(' and ')'. Line breaks
// inside a string are ignored, as Part 21 says; an entity may span many lines. One statement may be at most
// 32 MiB (header statements 1 MiB), which bounds the buffer.
//
// Elements: an entity whose first attribute is an IFC GlobalId (a 22-character string over 0-9A-Za-z_$ whose
// first character is 0-3, the compressed 128-bit GUID) is an element, keyed by that GlobalId, or by "#<id>"
// with IgnoreIfcGlobalIDs. Its class is the entity type in upper case. Other entities (placements, geometry,
// property values, ...) are not elements; their content is folded into the hash of the elements that reach
// them.
//
// Hash: each entity's own text (type and attributes, whitespace removed, every "#n" reference replaced by "#")
// is digested, then references are resolved after the whole file is read (STEP allows forward references):
//   - a reference to an element contributes that element's key, so renaming a wall changes the wall only, not
//     the relationships that point at it;
//   - a reference to any other entity contributes that entity's digest, computed the same way (a Merkle
//     hash), so moving a cartesian point changes every element whose geometry uses it;
//   - a reference to an IFCOWNERHISTORY contributes a constant: owner history is export bookkeeping
//     (timestamps, application) that changes on every export without changing any element.
//
// The element hash is the SHA-256 of its own digest followed by those contributions. Entity numbers never enter
// a hash, so a re-numbered export with the same GlobalIds changes nothing; with IgnoreIfcGlobalIDs the keys are
// the numbers, so the same export shows every element as deleted and inserted. Reference cycles among
// non-element entities (unusual in IFC) are cut at the entity where the walk re-enters the cycle.
//
// Errors are TAE_PARSE_ERROR with the line where the offending statement starts: a missing or wrong header,
// bad entity syntax, unbalanced parentheses, an unterminated string, comment or entity, a missing
// END-ISO-10303-21, a duplicate entity number, a reference to an undefined entity, and a GlobalId used by two
// entities (without IgnoreIfcGlobalIDs, which is the user's way round such a file). Content after
// END-ISO-10303-21; (e.g. an edition 3 signature) is not read.
//
// Memory: about 32 bytes per entity plus 4 per reference and the keys of the elements; no entity text is kept.
type IFC struct{}

// maxEntityBytes bounds one DATA statement, and so the scanner's memory (a variable so tests can lower it).
var maxEntityBytes = 32 << 20

const (
	maxHeaderStmtBytes   = 1 << 20
	maxFirstStmtBytes    = 64 // "ISO-10303-21" must come first; fail fast on a file that is not STEP at all
	stepReadBufferBytes  = 256 << 10
	ifcGlobalIDLength    = 22
	ownerHistoryType     = "IFCOWNERHISTORY"
	elemNone             = -1
	elemOwnerHistory     = -2
	tokenElement         = 1
	tokenEntity          = 2
	tokenCycle           = 3
	tokenOwnerHistory    = 4
	stepMagic            = "ISO-10303-21"
	stepEnd              = "END-ISO-10303-21"
	previewBytes         = 48
	denseIDTableSlackMul = 4
)

// Extract implements Connector.
func (IFC) Extract(ctx context.Context, r io.Reader, opts Options, emit func(Element) error) error {
	p := &ifcParser{ignoreGlobalIDs: opts.IgnoreIfcGlobalIDs, classes: map[string]string{}}
	s := &stepScanner{r: ctxReader{ctx, r}, buf: make([]byte, stepReadBufferBytes), line: 1}
	if err := p.parse(s); err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			return err
		}
		return readError(ctx, err)
	}
	if err := p.resolve(); err != nil {
		return err
	}
	return p.emit(ctx, emit)
}

// --- scanner: splits the stream into statements ---

type scanState uint8

const (
	stNormal scanState = iota
	stString
	stStringQuote // just read a quote inside a string: either its end or the first of ''
	stSlash
	stComment
	stCommentStar
)

// stepScanner returns one statement at a time (without its ';'), with whitespace and comments outside strings
// removed and line breaks inside strings dropped.
type stepScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	readErr  error
	line     int // line of the next unread byte
	lastByte byte

	stmt         []byte
	stmtLine     int // line of the statement's first significant byte
	strLine      int // line where the last string started
	multiLineStr int // start line of the first string of this statement that runs over a line break
	max          int
}

// tooLongError is returned by the scanner when a statement exceeds max; the parser turns it into a message
// that fits the section.
type tooLongError struct{ line int }

func (e *tooLongError) Error() string { return "statement too long" }

func (s *stepScanner) fill() bool {
	if s.eof {
		return false
	}
	for {
		n, err := s.r.Read(s.buf)
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
		}
		if n > 0 {
			s.lastByte = s.buf[n-1]
		}
		if n > 0 || s.eof {
			s.pos, s.end = 0, n
			return n > 0
		}
	}
}

// next reads the next statement into s.stmt. It returns false at a clean end of input.
func (s *stepScanner) next() (bool, error) {
	s.stmt = s.stmt[:0]
	s.stmtLine, s.multiLineStr = 0, 0
	state := stNormal
	commentLine := 0
	for {
		if s.pos >= s.end && !s.fill() {
			if s.readErr != nil {
				return false, s.readErr
			}
			switch state {
			case stString:
				line := s.strLine
				if s.multiLineStr != 0 {
					line = s.multiLineStr
				}
				return false, parseError(line, "unterminated string (the file ends inside it)")
			case stComment, stCommentStar:
				return false, parseError(commentLine, "unterminated comment (the file ends inside it)")
			case stSlash:
				s.stmt = append(s.stmt, '/')
			}
			if len(s.stmt) > 0 {
				if s.multiLineStr != 0 {
					return false, parseError(s.multiLineStr, "unterminated string (it runs on past the end of the line)")
				}
				return false, parseError(s.stmtLine, "unterminated statement %s: missing ';' before the end of the file", preview(s.stmt))
			}
			return false, nil
		}
		// fast paths: copy runs of ordinary bytes at once
		if state == stNormal || state == stString {
			special := &normalSpecial
			if state == stString {
				special = &stringSpecial
			}
			j := s.pos
			for j < s.end && !special[s.buf[j]] {
				j++
			}
			if j > s.pos {
				if s.stmtLine == 0 {
					s.stmtLine = s.line
				}
				s.stmt = append(s.stmt, s.buf[s.pos:j]...)
				s.pos = j
				if len(s.stmt) > s.max {
					return false, s.tooLong()
				}
				continue
			}
		}
		c := s.buf[s.pos]
		s.pos++
		switch state {
		case stNormal:
			switch c {
			case '\n':
				s.line++
				continue
			case ' ', '\t', '\r', '\f', '\v':
				continue
			case ';':
				return true, nil
			case '/':
				state = stSlash
				continue
			case '\'':
				state = stString
				s.strLine = s.line
			}
			if s.stmtLine == 0 {
				s.stmtLine = s.line
			}
			s.stmt = append(s.stmt, c)
		case stString:
			switch c {
			case '\'':
				state = stStringQuote
			case '\n':
				s.line++
				if s.multiLineStr == 0 {
					s.multiLineStr = s.strLine
				}
				continue
			case '\r':
				continue
			}
			s.stmt = append(s.stmt, c)
		case stStringQuote:
			if c == '\'' {
				s.stmt = append(s.stmt, c)
				state = stString
				continue
			}
			state = stNormal
			s.pos-- // the string ended; read c again as ordinary text
			continue
		case stSlash:
			if c == '*' {
				state = stComment
				commentLine = s.line
				continue
			}
			if s.stmtLine == 0 {
				s.stmtLine = s.line
			}
			s.stmt = append(s.stmt, '/')
			state = stNormal
			s.pos--
			continue
		case stComment:
			if c == '*' {
				state = stCommentStar
			} else if c == '\n' {
				s.line++
			}
			continue
		case stCommentStar:
			switch c {
			case '/':
				state = stNormal
			case '*':
			case '\n':
				s.line++
				state = stComment
			default:
				state = stComment
			}
			continue
		}
		if len(s.stmt) > s.max {
			return false, s.tooLong()
		}
	}
}

func (s *stepScanner) tooLong() error {
	line := s.stmtLine
	if s.multiLineStr != 0 {
		line = s.multiLineStr
	}
	return &tooLongError{line: line}
}

// normalSpecial and stringSpecial mark the bytes the scanner must look at one by one outside and inside strings.
var normalSpecial, stringSpecial = func() (n, s [256]bool) {
	for _, c := range []byte(" \t\r\n\f\v;/'") {
		n[c] = true
	}
	for _, c := range []byte("'\r\n") {
		s[c] = true
	}
	return n, s
}()

// eofLine is the last line of the input (a final line break does not start another line).
func (s *stepScanner) eofLine() int {
	if s.lastByte == '\n' && s.line > 1 {
		return s.line - 1
	}
	return s.line
}

func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}

func preview(b []byte) string {
	if len(b) > previewBytes {
		return strconv.Quote(string(b[:previewBytes]) + "...")
	}
	return strconv.Quote(string(b))
}

// --- parser ---

type ifcEntity struct {
	digest [16]byte // own digest; replaced by the deep digest once resolved (non-elements)
	id     uint32
	line   uint32
	refEnd uint32 // this entity's references are refs[previous entity's refEnd:refEnd]
	elem   int32  // index in elems, elemNone, or elemOwnerHistory
}

type ifcElement struct {
	key   string
	class string
	ent   int32
}

type ifcParser struct {
	ignoreGlobalIDs bool
	ents            chunked[ifcEntity]
	refs            chunked[uint32] // entity numbers while parsing, entity indices after resolve
	elems           chunked[ifcElement]
	classes         map[string]string // interned element classes
	scratch         []byte
	maxID           uint32
	sawData         bool
}

func (p *ifcParser) parse(s *stepScanner) error {
	const (
		phStart = iota
		phHeaderKeyword
		phHeader
		phBetween
		phData
	)
	phase := phStart
	s.max = maxFirstStmtBytes
	for {
		ok, err := s.next()
		if err != nil {
			var tl *tooLongError
			if errors.As(err, &tl) {
				switch phase {
				case phStart:
					return parseError(tl.line, "not an IFC (STEP) file: it must start with %q", stepMagic+";")
				case phData:
					return parseError(tl.line, "entity longer than %s (missing ';' or quote?)", sizeText(maxEntityBytes))
				default:
					return parseError(tl.line, "header statement longer than %s (missing ';' or quote?)", sizeText(maxHeaderStmtBytes))
				}
			}
			return err
		}
		if !ok {
			switch phase {
			case phStart:
				return parseError(1, "empty file: an IFC file must start with %q", stepMagic+";")
			case phData:
				return parseError(s.eofLine(), "missing 'ENDSEC;' and %q at the end of the DATA section", stepEnd+";")
			default:
				return parseError(s.eofLine(), "missing %q at the end of the file", stepEnd+";")
			}
		}
		st, line := s.stmt, s.stmtLine
		switch phase {
		case phStart:
			if string(bytes.TrimPrefix(st, []byte("\xef\xbb\xbf"))) != stepMagic { // tolerate a UTF-8 byte order mark
				return parseError(line, "not an IFC (STEP) file: it must start with %q, found %s", stepMagic+";", preview(st))
			}
			phase = phHeaderKeyword
			s.max = maxHeaderStmtBytes
		case phHeaderKeyword:
			if string(st) != "HEADER" {
				return parseError(line, "expected 'HEADER;' after %q, found %s", stepMagic+";", preview(st))
			}
			phase = phHeader
		case phHeader:
			if string(st) == "ENDSEC" {
				phase = phBetween
				continue
			}
			if msg := p.record(st, false); msg != "" {
				return parseError(line, "bad header entry %s: %s", preview(st), msg)
			}
		case phBetween:
			switch {
			case string(st) == "DATA" || bytes.HasPrefix(st, []byte("DATA(")):
				phase = phData
				p.sawData = true
				s.max = maxEntityBytes
			case string(st) == stepEnd:
				if !p.sawData {
					return parseError(line, "the file has no DATA section")
				}
				return nil
			default:
				return parseError(line, "expected 'DATA;' or %q, found %s", stepEnd+";", preview(st))
			}
		case phData:
			if string(st) == "ENDSEC" {
				phase = phBetween
				continue
			}
			if err := p.entity(st, line, s.multiLineStr); err != nil {
				return err
			}
		}
	}
}

// entity parses one "#id=TYPE(...)" (or complex "#id=(A(...)B(...))") statement.
func (p *ifcParser) entity(st []byte, line, multiLineStr int) error {
	fail := func(format string, args ...any) error {
		if multiLineStr != 0 {
			return parseError(multiLineStr, "unterminated string (it runs on past the end of the line): "+format, args...)
		}
		return parseError(line, format, args...)
	}
	if len(st) < 2 || st[0] != '#' {
		return fail("expected an entity instance '#<number>= TYPE(...);', found %s", preview(st))
	}
	i := 1
	var id uint64
	for i < len(st) && st[i] >= '0' && st[i] <= '9' {
		id = id*10 + uint64(st[i]-'0')
		if id > math.MaxUint32 {
			return fail("entity number in %s is too large", preview(st))
		}
		i++
	}
	if i == 1 {
		return fail("expected an entity number after '#', found %s", preview(st))
	}
	if i >= len(st) || st[i] != '=' {
		return fail("expected '=' after #%d, found %s", id, preview(st))
	}
	i++
	rest := st[i:]
	n := nameLen(rest)
	typ, body := rest[:n], rest[n:]
	if len(body) == 0 || body[0] != '(' {
		return fail("entity #%d: expected TYPE(...) after '=', found %s", id, preview(rest))
	}

	p.scratch = append(p.scratch[:0], typ...)
	var msg string
	if n == 0 {
		msg = p.complexBody(body)
	} else {
		msg = p.record(rest, true)
	}
	if msg != "" {
		return fail("entity #%d: %s", id, msg)
	}
	if p.ents.len() >= math.MaxInt32 || p.refs.len() >= math.MaxUint32 {
		return parseError(line, "too many entities")
	}
	sum := sha256.Sum256(p.scratch)
	e := ifcEntity{id: uint32(id), line: uint32(line), refEnd: uint32(p.refs.len()), elem: elemNone}
	copy(e.digest[:], sum[:16])
	if id > uint64(p.maxID) {
		p.maxID = uint32(id)
	}
	if n > 0 {
		if gid, ok := globalIDAttr(body); ok {
			interned, ok := p.classes[string(typ)] // no allocation for a lookup
			if !ok {
				interned = upperName(typ)
				p.classes[string(typ)] = interned
			}
			key := ""
			if !p.ignoreGlobalIDs {
				key = string(gid)
			}
			e.elem = int32(p.elems.len())
			p.elems.push(ifcElement{key: key, class: interned, ent: int32(p.ents.len())})
		} else if bytes.EqualFold(typ, []byte(ownerHistoryType)) {
			e.elem = elemOwnerHistory
		}
	}
	p.ents.push(e)
	return nil
}

// complexBody checks a complex entity instance body "(A(...)B(...))": records one after another.
func (p *ifcParser) complexBody(body []byte) string {
	if body[len(body)-1] != ')' {
		return "a complex entity must end with ')'"
	}
	inner := body[1 : len(body)-1]
	p.scratch = append(p.scratch, '(')
	if len(inner) == 0 {
		return "empty complex entity"
	}
	for len(inner) > 0 {
		n := nameLen(inner)
		if n == 0 {
			return fmt.Sprintf("expected a record TYPE(...) in the complex entity, found %s", preview(inner))
		}
		p.scratch = append(p.scratch, inner[:n]...)
		end, msg := p.list(inner, n, true)
		if msg != "" {
			return msg
		}
		inner = inner[end:]
	}
	p.scratch = append(p.scratch, ')')
	return ""
}

// record checks "TYPE(...)" filling the whole of b. With collect, it appends the normalised text (after the
// type, which the caller wrote) to p.scratch and the referenced numbers to p.refs.
func (p *ifcParser) record(b []byte, collect bool) string {
	n := nameLen(b)
	if n == 0 {
		return "expected TYPE(...)"
	}
	if !collect {
		p.scratch = p.scratch[:0]
	}
	end, msg := p.list(b, n, collect)
	if msg != "" {
		return msg
	}
	if end != len(b) {
		return fmt.Sprintf("unexpected text after the closing ')': %s (missing ';'?)", preview(b[end:]))
	}
	return ""
}

// list checks the parenthesised parameter list that starts at b[i] == '(' and returns the index after its
// closing ')'. It is iterative so deeply nested input cannot exhaust the stack.
func (p *ifcParser) list(b []byte, i int, collect bool) (int, string) {
	if i >= len(b) || b[i] != '(' {
		return i, "expected '('"
	}
	const (
		afterOpen  = iota // just after '(': a value or ')'
		wantValue         // after ',': a value
		afterValue        // ',' or ')'
	)
	depth, state := 0, afterOpen
	for i < len(b) {
		c := b[i]
		if state == afterValue {
			switch c {
			case ',':
				state = wantValue
			case ')':
				depth--
			default:
				return i, fmt.Sprintf("expected ',' or ')' after a parameter, found %s", preview(b[i:]))
			}
			p.scratch = append(p.scratch, c)
			i++
			if depth == 0 {
				return i, ""
			}
			continue
		}
		start := i
		switch {
		case c == ',':
			return i, "missing parameter before ','"
		case c == '(':
			depth++
			p.scratch = append(p.scratch, c)
			i++
			state = afterOpen
			continue
		case c == ')':
			if state != afterOpen {
				return i, "missing parameter before ')'"
			}
			depth--
			p.scratch = append(p.scratch, c)
			i++
			if depth == 0 {
				return i, ""
			}
			state = afterValue
			continue
		case c == '\'':
			i++
			for {
				k := bytes.IndexByte(b[i:], '\'')
				if k < 0 {
					return start, "unterminated string"
				}
				i += k + 1
				if i < len(b) && b[i] == '\'' {
					i++
					continue
				}
				break
			}
		case c == '#':
			i++
			var ref uint64
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				ref = ref*10 + uint64(b[i]-'0')
				if ref > math.MaxUint32 {
					return start, "reference number too large"
				}
				i++
			}
			if i == start+1 {
				return start, fmt.Sprintf("expected an entity number after '#', found %s", preview(b[start:]))
			}
			if collect {
				p.refs.push(uint32(ref))
			}
			p.scratch = append(p.scratch, '#')
			state = afterValue
			continue
		case c == '$' || c == '*':
			i++
		case c == '.':
			i++
			n := nameLen(b[i:])
			if n == 0 || i+n >= len(b) || b[i+n] != '.' {
				return start, fmt.Sprintf("bad enumeration value %s", preview(b[start:]))
			}
			i += n + 1
		case c == '"':
			k := bytes.IndexByte(b[i+1:], '"')
			if k < 0 {
				return start, "unterminated binary value"
			}
			i += k + 2
		case c == '+' || c == '-' || (c >= '0' && c <= '9'):
			i++
			for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.' || b[i] == 'E' || b[i] == 'e' || b[i] == '+' || b[i] == '-') {
				i++
			}
		case isNameStart(c):
			// a typed parameter such as IFCLABEL('x'): its name, then its own list
			i += nameLen(b[i:])
			if i >= len(b) || b[i] != '(' {
				return start, fmt.Sprintf("unexpected %s (a typed parameter needs '(')", preview(b[start:]))
			}
			p.scratch = append(p.scratch, b[start:i]...)
			continue // the '(' is read as a nested list
		default:
			return start, fmt.Sprintf("unexpected character %q in the parameters", c)
		}
		p.scratch = append(p.scratch, b[start:i]...)
		state = afterValue
	}
	return i, "unbalanced parentheses: missing ')'"
}

func isNameStart(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' }

// nameLen is the length of the STEP keyword at the start of b (0 if none).
func nameLen(b []byte) int {
	if len(b) == 0 || !isNameStart(b[0]) {
		return 0
	}
	n := 1
	for n < len(b) && (isNameStart(b[n]) || b[n] >= '0' && b[n] <= '9') {
		n++
	}
	return n
}

func upperName(b []byte) string {
	for _, c := range b {
		if c >= 'a' && c <= 'z' {
			return strings.ToUpper(string(b))
		}
	}
	return string(b)
}

// globalIDAttr returns the first attribute of the list body "(...)" when it is an IFC GlobalId string.
func globalIDAttr(body []byte) ([]byte, bool) {
	const n = ifcGlobalIDLength
	if len(body) < n+3 || body[1] != '\'' || body[n+2] != '\'' || (body[n+3] != ',' && body[n+3] != ')') {
		return nil, false
	}
	gid := body[2 : n+2]
	if !IsIFCGlobalID(string(gid)) {
		return nil, false
	}
	return gid, true
}

// IsIFCGlobalID reports whether s is a compressed IFC GUID: 22 characters of 0-9A-Za-z_$, the first 0-3.
func IsIFCGlobalID(s string) bool {
	if len(s) != ifcGlobalIDLength || s[0] < '0' || s[0] > '3' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '$') {
			return false
		}
	}
	return true
}

// --- resolution and hashing ---

// resolve turns reference numbers into entity indices and checks the file's identities.
func (p *ifcParser) resolve() error {
	lookup, err := p.indexByID()
	if err != nil {
		return err
	}
	start := uint32(0)
	for ei := range p.ents.len() {
		e := p.ents.at(ei)
		for k := start; k < e.refEnd; k++ {
			r := p.refs.at(int(k))
			idx := lookup(*r)
			if idx < 0 {
				return parseError(int(e.line), "entity #%d references #%d, which is not defined", e.id, *r)
			}
			*r = uint32(idx)
		}
		start = e.refEnd
	}
	if p.ignoreGlobalIDs {
		for i := range p.elems.len() {
			el := p.elems.at(i)
			el.key = "#" + strconv.FormatUint(uint64(p.ents.at(int(el.ent)).id), 10)
		}
		return nil // entity numbers are unique, checked above
	}
	order := make([]int32, p.elems.len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(p.elems.at(int(a)).key, p.elems.at(int(b)).key); c != 0 {
			return c
		}
		return int(a - b)
	})
	for k := 1; k < len(order); k++ {
		a, b := p.elems.at(int(order[k-1])), p.elems.at(int(order[k]))
		if a.key == b.key {
			ea, eb := p.ents.at(int(a.ent)), p.ents.at(int(b.ent))
			return parseError(int(eb.line), "GlobalId %q is used by #%d (line %d) and #%d; set ignoreIfcGlobalIds to read this file", b.key, ea.id, ea.line, eb.id)
		}
	}
	return nil
}

// indexByID returns a function from entity number to index (-1 if undefined), failing on duplicate numbers.
// Exporters number entities densely, so a table indexed by number is the common case; sparse numbering falls
// back to binary search over a sorted copy.
func (p *ifcParser) indexByID() (func(uint32) int32, error) {
	dup := func(a, b int32) error {
		ea, eb := p.ents.at(int(a)), p.ents.at(int(b))
		if eb.line < ea.line {
			ea, eb = eb, ea
		}
		return parseError(int(eb.line), "entity #%d is defined twice (first on line %d)", eb.id, ea.line)
	}
	if uint64(p.maxID) <= uint64(p.ents.len())*denseIDTableSlackMul+1024 {
		table := make([]int32, uint64(p.maxID)+1)
		for i := range table {
			table[i] = -1
		}
		for i := range p.ents.len() {
			id := p.ents.at(i).id
			if table[id] >= 0 {
				return nil, dup(table[id], int32(i))
			}
			table[id] = int32(i)
		}
		return func(id uint32) int32 {
			if uint64(id) >= uint64(len(table)) {
				return -1
			}
			return table[id]
		}, nil
	}
	sorted := make([]int32, p.ents.len())
	for i := range sorted {
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, func(a, b int32) int {
		ia, ib := p.ents.at(int(a)).id, p.ents.at(int(b)).id
		if ia != ib {
			if ia < ib {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	for k := 1; k < len(sorted); k++ {
		if p.ents.at(int(sorted[k-1])).id == p.ents.at(int(sorted[k])).id {
			return nil, dup(sorted[k-1], sorted[k])
		}
	}
	return func(id uint32) int32 {
		k, found := slices.BinarySearchFunc(sorted, id, func(idx int32, id uint32) int {
			switch v := p.ents.at(int(idx)).id; {
			case v < id:
				return -1
			case v > id:
				return 1
			}
			return 0
		})
		if !found {
			return -1
		}
		return sorted[k]
	}, nil
}

func (p *ifcParser) refRange(ei int32) (uint32, uint32) {
	start := uint32(0)
	if ei > 0 {
		start = p.ents.at(int(ei) - 1).refEnd
	}
	return start, p.ents.at(int(ei)).refEnd
}

// hashInput writes entity ei's own digest and the contributions of its references into p.scratch. state says
// which non-element entities already hold their deep digest (2) or are being resolved (1: a cycle).
func (p *ifcParser) hashInput(ei int32, state []uint8) []byte {
	buf := append(p.scratch[:0], p.ents.at(int(ei)).digest[:]...)
	start, end := p.refRange(ei)
	for k := start; k < end; k++ {
		r := *p.refs.at(int(k))
		t := p.ents.at(int(r))
		switch {
		case t.elem >= 0:
			buf = append(buf, tokenElement)
			buf = append(buf, p.elems.at(int(t.elem)).key...)
			buf = append(buf, 0)
		case t.elem == elemOwnerHistory:
			buf = append(buf, tokenOwnerHistory)
		case state[r] == 2:
			buf = append(buf, tokenEntity)
			buf = append(buf, t.digest[:]...)
		default:
			buf = append(buf, tokenCycle)
		}
	}
	p.scratch = buf
	return buf
}

// deep computes the deep digest of every non-element entity reachable from ei's references, iteratively
// (post-order) so long reference chains cannot exhaust the stack.
func (p *ifcParser) deep(ei int32, state []uint8, stack []int32, next []uint32) ([]int32, []uint32) {
	visit := func(r uint32) bool { return p.ents.at(int(r)).elem == elemNone && state[r] == 0 }
	start, end := p.refRange(ei)
	for k := start; k < end; k++ {
		r := *p.refs.at(int(k))
		if !visit(r) {
			continue
		}
		state[r] = 1
		s, _ := p.refRange(int32(r))
		stack, next = append(stack[:0], int32(r)), append(next[:0], s)
		for len(stack) > 0 {
			top := len(stack) - 1
			cur := stack[top]
			_, curEnd := p.refRange(cur)
			if next[top] < curEnd {
				child := *p.refs.at(int(next[top]))
				next[top]++
				if visit(child) {
					state[child] = 1
					cs, _ := p.refRange(int32(child))
					stack, next = append(stack, int32(child)), append(next, cs)
				}
				continue
			}
			if s, e := p.refRange(cur); s != e { // without references the own digest is already the deep one
				sum := sha256.Sum256(p.hashInput(cur, state))
				copy(p.ents.at(int(cur)).digest[:], sum[:16])
			}
			state[cur] = 2
			stack, next = stack[:top], next[:top]
		}
	}
	return stack, next
}

// emit hashes and emits the elements in file order.
func (p *ifcParser) emit(ctx context.Context, emit func(Element) error) error {
	state := make([]uint8, p.ents.len())
	var stack []int32
	var next []uint32
	for i := range p.elems.len() {
		el := p.elems.at(i)
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return readError(ctx, err)
			}
		}
		stack, next = p.deep(el.ent, state, stack, next)
		sum := sha256.Sum256(p.hashInput(el.ent, state))
		if err := emit(Element{Key: el.key, Class: el.class, Hash: hex.EncodeToString(sum[:])}); err != nil {
			return err
		}
	}
	return nil
}

// chunked is an append-only vector in fixed blocks: growing it never copies, so a large file costs its
// records once instead of the repeated copies (and the transient double size) of a growing slice.
type chunked[T any] struct {
	blocks [][]T
	n      int
}

const chunkShift = 15

func (c *chunked[T]) push(v T) {
	if c.n>>chunkShift == len(c.blocks) {
		c.blocks = append(c.blocks, make([]T, 0, 1<<chunkShift))
	}
	b := &c.blocks[c.n>>chunkShift]
	*b = append(*b, v)
	c.n++
}

func (c *chunked[T]) at(i int) *T { return &c.blocks[i>>chunkShift][i&(1<<chunkShift-1)] }

func (c *chunked[T]) len() int { return c.n }
