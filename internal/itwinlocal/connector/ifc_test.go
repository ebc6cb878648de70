package connector

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The elements of testdata/building.ifc in file order, with their entity numbers.
var buildingElements = []struct{ key, class, num string }{
	{"0YvctVUKr0kugbFTf53O9L", "IFCPROJECT", "#20"},
	{"2VFhP8ZbH8BwqQ1aA3GZ$k", "IFCSITE", "#22"},
	{"1kTvXnbbzCWw8lcMd1dR4o", "IFCBUILDING", "#24"},
	{"3Ii4TCrLT0$gYq3Nbr8WX1", "IFCBUILDINGSTOREY", "#27"},
	{"0HqJbOQxf1gOxzK7vB$3XV", "IFCRELAGGREGATES", "#28"},
	{"2fLrCEv6X8Ofq7RZ3tqVQi", "IFCRELAGGREGATES", "#29"},
	{"1Jh$Ua4cD0xhs3r5UuJ2Ww", "IFCRELAGGREGATES", "#30"},
	{"2O2Fr$t4X7Zf8NOew3FLOH", "IFCWALL", "#49"},
	{"1bN8$cVmT5Zho9BS3c7Pq2", "IFCWALL", "#59"},
	{"3Mq9dKx2H1YfR7uTz0Lw_A", "IFCWALL", "#69"},
	{"0tA4Dq8rL3mBk2$Wv9XyZ1", "IFCOPENINGELEMENT", "#79"},
	{"2Qe7Rt9Yu1Io3Pa5Sd7Fg9", "IFCRELVOIDSELEMENT", "#80"},
	{"1Hj2Kl3Zx4Cv5Bn6Mq7Wd8", "IFCDOOR", "#85"},
	{"3Ee4Rr5Tt6Yy7Uu8Ii9Oo0", "IFCRELFILLSELEMENT", "#86"},
	{"2Aa3Ss4Dd5Ff6Gg7Hh8Jj9", "IFCOPENINGELEMENT", "#99"},
	{"0Zz1Xx2Cc3Vv4Bb5Nn6Mm7", "IFCRELVOIDSELEMENT", "#100"},
	{"3Pq8Wm2Nx5Lk7Jh9Gf1Ds3", "IFCWINDOW", "#105"},
	{"1Qw2Er3Ty4Ui5Op6As7Df8", "IFCRELFILLSELEMENT", "#106"},
	{"0Lm4Nb7Vc1Xz3Qa6Ws9Ed2", "IFCSLAB", "#119"},
	{"2Rf5Tg8Yh1Uj4Ik7Ol0Pm3", "IFCRELCONTAINEDINSPATIALSTRUCTURE", "#120"},
	{"1Zx8Cv6Bn4Mq2Wd0Ef9Rg7", "IFCPROPERTYSET", "#124"},
	{"3Yt6Rf4Ed2Ws0Qa8Zx5Cv1", "IFCRELDEFINESBYPROPERTIES", "#125"},
}

const (
	wall1  = "2O2Fr$t4X7Zf8NOew3FLOH"
	wall3  = "3Mq9dKx2H1YfR7uTz0Lw_A"
	door   = "1Hj2Kl3Zx4Cv5Bn6Mq7Wd8"
	dOpen  = "0tA4Dq8rL3mBk2$Wv9XyZ1"
	slabID = "0Lm4Nb7Vc1Xz3Qa6Ws9Ed2"
)

func building(t *testing.T) string { return readTestdata(t, "building.ifc") }

// replaceOnce replaces old (which must occur exactly once) by new.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times, want 1", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// lineOf is the 1-based line where marker (which must occur once) starts.
func lineOf(t *testing.T, s, marker string) int {
	t.Helper()
	if n := strings.Count(s, marker); n != 1 {
		t.Fatalf("%q occurs %d times, want 1", marker, n)
	}
	return strings.Count(s[:strings.Index(s, marker)], "\n") + 1
}

// renumber rewrites every entity number outside strings and comments with f.
func renumber(s string, f func(int) int) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			b.WriteString(s[i : j+1])
			i = j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i:], "*/") + i
			b.WriteString(s[i : j+2])
			i = j + 1
		case c == '#':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(s[i+1 : j])
			fmt.Fprintf(&b, "#%d", f(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestIFCBuildingElements(t *testing.T) {
	els := mustExtract(t, IFC{}, building(t), Options{})
	if len(els) != len(buildingElements) {
		t.Fatalf("%d elements, want %d: %v", len(els), len(buildingElements), keysOf(els))
	}
	seen := map[string]bool{}
	for i, w := range buildingElements {
		if els[i].Key != w.key || els[i].Class != w.class {
			t.Errorf("element %d = %s %s, want %s %s", i, els[i].Key, els[i].Class, w.key, w.class)
		}
		if len(els[i].Hash) != 64 || seen[els[i].Hash] {
			t.Errorf("element %s: hash %q is not a distinct hex SHA-256", els[i].Key, els[i].Hash)
		}
		seen[els[i].Hash] = true
	}

	// the same file read again gives the same hashes
	if again := mustExtract(t, IFC{}, building(t), Options{}); !reflect.DeepEqual(again, els) {
		t.Fatal("extraction is not deterministic")
	}
}

func TestIFCIgnoreGlobalIDsKeysByEntityNumber(t *testing.T) {
	els := mustExtract(t, IFC{}, building(t), Options{IgnoreIfcGlobalIDs: true})
	var want, got []string
	for _, w := range buildingElements {
		want = append(want, w.num)
	}
	for i, e := range els {
		got = append(got, e.Key)
		if e.Class != buildingElements[i].class {
			t.Errorf("%s class = %s, want %s", e.Key, e.Class, buildingElements[i].class)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("keys = %v, want %v", got, want)
	}
}

func TestIFCLayoutIsNotContent(t *testing.T) {
	src := building(t)
	base := hashesOf(mustExtract(t, IFC{}, src, Options{}))

	// wall 3 spans five lines; on one line it is the same element
	oneLine := replaceOnce(t, src, "#69= IFCWALL('3Mq9dKx2H1YfR7uTz0Lw_A',#5,\n  'Wall 3; north (exterior)',\n  'Architect''s note: keep clear; no openings (fire wall)',\n  $,#62,#68,'W-03',\n  .STANDARD.);",
		"#69=IFCWALL('3Mq9dKx2H1YfR7uTz0Lw_A',#5,'Wall 3; north (exterior)','Architect''s note: keep clear; no openings (fire wall)',$,#62,#68,'W-03',.STANDARD.);")
	// a line break inside a string is not part of it (ISO 10303-21)
	brokenString := replaceOnce(t, src, "'Wall 3; north (exterior)'", "'Wall 3; north\n (exterior)'")
	// entities share a line, comments and blank lines move, spacing changes
	squeezed := strings.NewReplacer("= ", " = ", ";\n#4", "; /* x */ #4", "\n\n", "\n").Replace(src)
	// forward references: wall 1 before the entities it references
	wall1Line := "#49= IFCWALL('2O2Fr$t4X7Zf8NOew3FLOH',#5,'Wall 1',$,$,#42,#48,'W-01',.STANDARD.);\n"
	reordered := replaceOnce(t, replaceOnce(t, src, wall1Line, ""), "#40= ", wall1Line+"#40= ")
	for name, variant := range map[string]string{"one line": oneLine, "broken string": brokenString, "squeezed": squeezed, "reordered": reordered} {
		got := hashesOf(mustExtract(t, IFC{}, variant, Options{}))
		if !reflect.DeepEqual(got, base) {
			t.Errorf("%s: hashes differ from the original layout", name)
		}
	}
	// a character inside the multi-line string does matter
	ch := diffText(t, IFC{}, src, replaceOnce(t, src, "Architect''s note", "Architect''s final note"), Options{})
	if !reflect.DeepEqual(ch.Updated, []string{wall3}) {
		t.Errorf("changed description: updated %v, want wall 3", ch.Updated)
	}
}

func TestIFCNameChangeUpdatesOnlyThatWall(t *testing.T) {
	src := building(t)
	for _, opts := range []Options{{}, {IgnoreIfcGlobalIDs: true}} {
		ch := diffText(t, IFC{}, src, replaceOnce(t, src, "'Wall 1'", "'Wall 1 (south)'"), opts)
		want := wall1
		if opts.IgnoreIfcGlobalIDs {
			want = "#49"
		}
		if !reflect.DeepEqual(ch.Updated, []string{want}) || len(ch.Inserted) != 0 || len(ch.Deleted) != 0 || ch.Unchanged != len(buildingElements)-1 {
			t.Errorf("ignore=%v: %+v, want only %s updated", opts.IgnoreIfcGlobalIDs, ch, want)
		}
		if e := ch.Elements[want]; e.Class != "IFCWALL" {
			t.Errorf("changed element = %+v", e)
		}
	}
}

func TestIFCGeometryIsFoldedIntoElements(t *testing.T) {
	src := building(t)
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"wall 1 profile length", "'Wall 1 profile',#44,8.,0.3", "'Wall 1 profile',#44,8.5,0.3", []string{wall1}},
		// the door and its opening are placed relative to wall 1
		{"wall 1 placement", "#40= IFCCARTESIANPOINT((0.,0.,0.));", "#40= IFCCARTESIANPOINT((0.,-0.5,0.));", []string{dOpen, door, wall1}},
		{"slab thickness", "#116= IFCEXTRUDEDAREASOLID(#115,#14,#12,0.25);", "#116= IFCEXTRUDEDAREASOLID(#115,#14,#12,0.3);", []string{slabID}},
		// the world origin is under every placement and solid, and the project's context
		{"world origin", "#11= IFCCARTESIANPOINT((0.,0.,0.));", "#11= IFCCARTESIANPOINT((0.,0.,0.5));", []string{
			"0Lm4Nb7Vc1Xz3Qa6Ws9Ed2", "0YvctVUKr0kugbFTf53O9L", "0tA4Dq8rL3mBk2$Wv9XyZ1", "1Hj2Kl3Zx4Cv5Bn6Mq7Wd8", "1bN8$cVmT5Zho9BS3c7Pq2", "1kTvXnbbzCWw8lcMd1dR4o",
			"2Aa3Ss4Dd5Ff6Gg7Hh8Jj9", "2O2Fr$t4X7Zf8NOew3FLOH", "2VFhP8ZbH8BwqQ1aA3GZ$k", "3Ii4TCrLT0$gYq3Nbr8WX1", "3Mq9dKx2H1YfR7uTz0Lw_A", "3Pq8Wm2Nx5Lk7Jh9Gf1Ds3"}},
		// a property value changes the property set only (walls are linked by a relationship, not a reference)
		{"fire rating", "IFCLABEL('REI 60')", "IFCLABEL('REI 90')", []string{"1Zx8Cv6Bn4Mq2Wd0Ef9Rg7"}},
		// owner history is export bookkeeping: a new export date or author changes nothing
		{"owner history date", ".ADDED.,$,$,$,1772442900", ".MODIFIED.,$,$,$,1772529300", nil},
		{"author", "IFCPERSON($,'Doe','Jane'", "IFCPERSON($,'Roe','Richard'", nil},
		// the relationship lists which elements it contains: one fewer is a change of the relationship only
		{"containment", "(#49,#59,#69,#85,#105,#119),#27", "(#49,#59,#69,#85,#105),#27", []string{"2Rf5Tg8Yh1Uj4Ik7Ol0Pm3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := diffText(t, IFC{}, src, replaceOnce(t, src, tt.old, tt.new), Options{})
			if !slices.Equal(ch.Updated, tt.want) || len(ch.Inserted) != 0 || len(ch.Deleted) != 0 {
				t.Errorf("updated %v inserted %v deleted %v; want updated %v", ch.Updated, ch.Inserted, ch.Deleted, tt.want)
			}
		})
	}
}

func TestIFCInsertAndDelete(t *testing.T) {
	src := building(t)
	// remove the slab (and its containment), add a new column
	without := replaceOnce(t, src, "#119= IFCSLAB('0Lm4Nb7Vc1Xz3Qa6Ws9Ed2',#5,'Ground slab',$,$,#112,#118,'S-01',.FLOOR.);\n", "")
	without = replaceOnce(t, without, "#105,#119),#27", "#105,#130),#27")
	without = replaceOnce(t, without, "ENDSEC;\nEND-ISO", "#130= IFCCOLUMN('1Cc2Vv3Bb4Nn5Mm6Ll7Kk8',#5,'Column A1',$,$,#112,$,'C-01',.COLUMN.);\nENDSEC;\nEND-ISO")
	ch := diffText(t, IFC{}, src, without, Options{})
	if !slices.Equal(ch.Inserted, []string{"1Cc2Vv3Bb4Nn5Mm6Ll7Kk8"}) || !slices.Equal(ch.Deleted, []string{slabID}) ||
		!slices.Equal(ch.Updated, []string{"2Rf5Tg8Yh1Uj4Ik7Ol0Pm3"}) {
		t.Errorf("changes = %+v; want column inserted, slab deleted, containment updated", ch)
	}
	if ch.Elements["1Cc2Vv3Bb4Nn5Mm6Ll7Kk8"].Class != "IFCCOLUMN" {
		t.Errorf("inserted element = %+v", ch.Elements["1Cc2Vv3Bb4Nn5Mm6Ll7Kk8"])
	}
}

func TestIFCRenumbering(t *testing.T) {
	src := building(t)
	variants := map[string]string{
		"dense, reversed": renumber(src, func(n int) int { return 1000 - n }),
		"sparse":          renumber(src, func(n int) int { return n*10_000_000 + 7 }), // exercises the sorted index
	}
	for name, renumbered := range variants {
		if renumbered == src {
			t.Fatal("renumber changed nothing")
		}
		// keyed by GlobalId: nothing changed
		ch := diffText(t, IFC{}, src, renumbered, Options{})
		if !ch.Empty() || ch.Unchanged != len(buildingElements) {
			t.Errorf("%s, by GlobalId: %+v, want no change", name, ch)
		}
		// keyed by entity number: every element replaced
		ch = diffText(t, IFC{}, src, renumbered, Options{IgnoreIfcGlobalIDs: true})
		if len(ch.Inserted) != len(buildingElements) || len(ch.Deleted) != len(buildingElements) || len(ch.Updated) != 0 {
			t.Errorf("%s, by entity number: %d inserted, %d deleted, %d updated; want all %d replaced",
				name, len(ch.Inserted), len(ch.Deleted), len(ch.Updated), len(buildingElements))
		}
	}
}

func TestIFCGlobalIDRecognition(t *testing.T) {
	doc := func(data string) string {
		return "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n" + data + "ENDSEC;\nEND-ISO-10303-21;\n"
	}
	els := mustExtract(t, IFC{}, doc(
		"#1= IFCWALL('0123456789ABCDEFabcd_$',$,$);\n"+
			"#2= IFCPROPERTYSINGLEVALUE('ABCDEFGHIJKLMNOPQRSTUV',$,$,$);\n"+ // a 22-character name, but GUIDs start with 0-3
			"#3= IFCWALL('0123456789ABCDEFabcd-$',$,$);\n"+ // '-' is not in the alphabet
			"#4= IFCWALL('0123456789ABCDEFabcd_',$,$);\n"+ // 21 characters
			"#5= IFCWALL($,'1123456789ABCDEFabcd_$',$);\n"+ // not the first attribute
			"#6= ifcbeam('3zzzzzzzzzzzzzzzzzzzzz');\n"+ // lower-case type, single attribute
			"#7= (IFCA('2123456789ABCDEFabcd_$')IFCB(#1,(1.,2.),.T.));\n"), // complex instance: not an element
		Options{})
	want := []Element{{Key: "0123456789ABCDEFabcd_$", Class: "IFCWALL"}, {Key: "3zzzzzzzzzzzzzzzzzzzzz", Class: "IFCBEAM"}}
	if len(els) != len(want) {
		t.Fatalf("elements = %v, want %v", els, want)
	}
	for i := range want {
		if els[i].Key != want[i].Key || els[i].Class != want[i].Class {
			t.Errorf("element %d = %+v, want %+v", i, els[i], want[i])
		}
	}
	if !IsIFCGlobalID(NewIFCGlobalID(^uint64(0), ^uint64(0))) || NewIFCGlobalID(0, 0) != "0000000000000000000000" ||
		NewIFCGlobalID(^uint64(0), ^uint64(0)) != "3$$$$$$$$$$$$$$$$$$$$$" || NewIFCGlobalID(0, 1) != "0000000000000000000001" || NewIFCGlobalID(1, 0) != "00000000000G0000000000" {
		t.Errorf("NewIFCGlobalID: %s %s %s", NewIFCGlobalID(0, 1), NewIFCGlobalID(1, 0), NewIFCGlobalID(^uint64(0), ^uint64(0)))
	}
}

func TestIFCParseErrors(t *testing.T) {
	src := building(t)
	lines := strings.Count(src, "\n")
	noEnd := strings.TrimSuffix(src, "END-ISO-10303-21;\n")
	truncated := src[:strings.Index(src, "#125=")]
	unterminatedEntity := src[:strings.Index(src, "\nENDSEC;\nEND-ISO")-1] // drops the last ';'
	badString := replaceOnce(t, src, "'Wall 1',", "'Wall 1,")
	duplicateGID := replaceOnce(t, src, "IFCSLAB('"+slabID+"'", "IFCSLAB('"+wall1+"'")
	tests := []struct {
		name, data string
		line       int
		fragments  []string
	}{
		{"empty", "", 1, []string{"empty file", "ISO-10303-21;"}},
		{"not step", "PK\x03\x04" + strings.Repeat("\x00\x14binary", 40), 1, []string{"not an IFC (STEP) file"}},
		{"wrong magic", "\n\nISO-10303-22;\nHEADER;", 3, []string{"must start with \"ISO-10303-21;\"", `found "ISO-10303-22"`}},
		{"missing header", replaceOnce(t, src, "HEADER;\n", ""), 2, []string{"expected 'HEADER;'"}},
		{"entity before DATA", replaceOnce(t, src, "DATA;\n", ""), lineOf(t, src, "#1= IFCPERSON") - 1, []string{"expected 'DATA;'"}},
		{"missing END", noEnd, lines - 1, []string{"missing \"END-ISO-10303-21;\""}},
		{"missing ENDSEC", truncated, lines - 3, []string{"missing 'ENDSEC;'"}},
		{"unterminated entity", unterminatedEntity, lineOf(t, src, "#125="), []string{"unterminated statement", "missing ';'"}},
		{"unterminated string", badString, lineOf(t, src, "'Wall 1',"), []string{"unterminated string"}},
		{"unterminated string at the end", src[:strings.Index(src, "ENDSEC;\nEND-ISO")] + "#200= IFCWALL('abc\n", lines - 1, []string{"unterminated string", "the file ends inside it"}},
		{"missing =", replaceOnce(t, src, "#49= IFCWALL", "#49 IFCWALL"), lineOf(t, src, "#49="), []string{"expected '=' after #49"}},
		{"no number", replaceOnce(t, src, "#49= IFCWALL", "# IFCWALL"), lineOf(t, src, "#49="), []string{"expected an entity number after '#'"}},
		{"no type", replaceOnce(t, src, "#49= IFCWALL(", "#49= 'IFCWALL'("), lineOf(t, src, "#49="), []string{"entity #49: expected TYPE(...)"}},
		{"unbalanced", replaceOnce(t, src, "#44,8.,0.3);", "#44,8.,0.3;"), lineOf(t, src, "#45="), []string{"entity #45: unbalanced parentheses"}},
		{"missing ;", replaceOnce(t, src, "#44= IFCAXIS2PLACEMENT2D(#43,$);", "#44= IFCAXIS2PLACEMENT2D(#43,$)"), lineOf(t, src, "#44="), []string{"unexpected text after the closing ')'", "missing ';'"}},
		{"missing parameter", replaceOnce(t, src, "#44= IFCAXIS2PLACEMENT2D(#43,$);", "#44= IFCAXIS2PLACEMENT2D(#43,,$);"), lineOf(t, src, "#44="), []string{"missing parameter before ','"}},
		{"trailing comma", replaceOnce(t, src, "#44= IFCAXIS2PLACEMENT2D(#43,$);", "#44= IFCAXIS2PLACEMENT2D(#43,);"), lineOf(t, src, "#44="), []string{"missing parameter before ')'"}},
		{"bad enumeration", replaceOnce(t, src, "'W-01',.STANDARD.);", "'W-01',.STANDARD);"), lineOf(t, src, "'W-01'"), []string{"bad enumeration value"}},
		{"stray character", replaceOnce(t, src, "#44= IFCAXIS2PLACEMENT2D(#43,$);", "#44= IFCAXIS2PLACEMENT2D(#43,%);"), lineOf(t, src, "#44="), []string{"unexpected character '%'"}},
		{"bad header entry", replaceOnce(t, src, "FILE_SCHEMA(('IFC4'));", "FILE_SCHEMA(('IFC4');"), lineOf(t, src, "FILE_SCHEMA"), []string{"bad header entry", "unbalanced"}},
		{"undefined reference", replaceOnce(t, src, "#105,#119),#27", "#105,#999),#27"), lineOf(t, src, "#120="), []string{"entity #120 references #999, which is not defined"}},
		{"duplicate number", replaceOnce(t, src, "#113= IFCCARTESIANPOINT", "#111= IFCCARTESIANPOINT"), lineOf(t, src, "#113="), []string{"entity #111 is defined twice", fmt.Sprintf("first on line %d", lineOf(t, src, "#111="))}},
		{"duplicate GlobalId", duplicateGID, lineOf(t, src, "#119="), []string{fmt.Sprintf("GlobalId %q is used by #49 (line %d) and #119", wall1, lineOf(t, src, "#49=")), "ignoreIfcGlobalIds"}},
		{"unterminated comment", replaceOnce(t, src, "#125=", "/* unfinished note\n#125="), lineOf(t, src, "#125="), []string{"unterminated comment"}},
		{"no DATA", "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nEND-ISO-10303-21;\n", 5, []string{"no DATA section"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractAll(t, IFC{}, tt.data, Options{})
			wantTaskError(t, err, CodeParseError, tt.line, append(tt.fragments, fmt.Sprintf("line %d: ", tt.line))...)
		})
	}

	// the user's way round duplicate GlobalIds: key by entity number
	if els := mustExtract(t, IFC{}, duplicateGID, Options{IgnoreIfcGlobalIDs: true}); len(els) != len(buildingElements) {
		t.Errorf("ignoreIfcGlobalIds with a duplicate GlobalId: %d elements", len(els))
	}
	// a UTF-8 byte order mark is tolerated
	if els, err := extractAll(t, IFC{}, "\xef\xbb\xbf"+src, Options{}); err != nil || len(els) != len(buildingElements) {
		t.Errorf("byte order mark: %d elements, %v", len(els), err)
	}
	// content after END-ISO-10303-21; is not read
	if _, err := extractAll(t, IFC{}, src+"SIGNATURE; garbage (", Options{}); err != nil {
		t.Errorf("trailing content: %v", err)
	}
}

func TestIFCDeepInputDoesNotExhaustTheStack(t *testing.T) {
	const depth = 200_000
	var b strings.Builder
	b.WriteString("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1= IFCCARTESIANPOINT((0.,0.,0.));\n#2= IFCLOCALPLACEMENT($,#1);\n")
	for i := 3; i < depth; i++ {
		fmt.Fprintf(&b, "#%d= IFCLOCALPLACEMENT(#%d,#1);\n", i, i-1)
	}
	fmt.Fprintf(&b, "#%d= IFCWALL('0000000000000000000001',$,'deep',$,$,#%d,$,$,$);\n", depth, depth-1)
	fmt.Fprintf(&b, "#%d= IFCPROPERTYSINGLEVALUE('nested',$,%s1%s,$);\n", depth+1, strings.Repeat("(", 100_000), strings.Repeat(")", 100_000))
	b.WriteString("ENDSEC;\nEND-ISO-10303-21;\n")
	deep := b.String()
	els := mustExtract(t, IFC{}, deep, Options{})
	if len(els) != 1 {
		t.Fatalf("elements = %v", els)
	}
	// the bottom of the chain is folded into the wall
	moved := mustExtract(t, IFC{}, strings.Replace(deep, "#1= IFCCARTESIANPOINT((0.,0.,0.))", "#1= IFCCARTESIANPOINT((0.,0.,1.))", 1), Options{})
	if moved[0].Hash == els[0].Hash {
		t.Error("moving the root placement point did not change the wall")
	}
}

func TestIFCReferenceCycle(t *testing.T) {
	// #2 and #3 reference each other (not valid IFC, but valid STEP): reading must end and be deterministic
	data := "ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1= IFCWALL('0000000000000000000001',$,'w',$,$,#2,$,$,$);\n#2= IFCX(#3,1.);\n#3= IFCX(#2,2.);\nENDSEC;\nEND-ISO-10303-21;\n"
	a := mustExtract(t, IFC{}, data, Options{})
	b := mustExtract(t, IFC{}, data, Options{})
	if len(a) != 1 || !reflect.DeepEqual(a, b) {
		t.Fatalf("cycle: %v / %v", a, b)
	}
	c := mustExtract(t, IFC{}, strings.Replace(data, "#3= IFCX(#2,2.)", "#3= IFCX(#2,3.)", 1), Options{})
	if c[0].Hash == a[0].Hash {
		t.Error("a change inside the cycle did not reach the element")
	}
}

func TestIFCEntitySizeLimit(t *testing.T) {
	saved := maxEntityBytes
	maxEntityBytes = 1 << 10
	defer func() { maxEntityBytes = saved }()
	src := building(t)
	// a forgotten closing quote swallows the rest of the file into one statement
	runaway := replaceOnce(t, src, "'Wall 2 profile'", "'Wall 2 profile") + strings.Repeat("#999= IFCX('padding;');\n", 100)
	_, err := extractAll(t, IFC{}, runaway, Options{})
	wantTaskError(t, err, CodeParseError, lineOf(t, src, "'Wall 2 profile'"), "unterminated string")

	long := replaceOnce(t, src, "'Wall 1 profile'", "'"+strings.Repeat("x", 2<<10)+"'")
	_, err = extractAll(t, IFC{}, long, Options{})
	wantTaskError(t, err, CodeParseError, lineOf(t, src, "'Wall 1 profile'"), "entity longer than 1024 bytes")
}
