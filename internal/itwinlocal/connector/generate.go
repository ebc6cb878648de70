package connector

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// ifcGUIDAlphabet is the character set of compressed IFC GlobalIds.
const ifcGUIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"

// NewIFCGlobalID compresses a 128-bit value (hi, lo) into a 22-character IFC GlobalId: 2 bits, then 21 times
// 6 bits, most significant first.
func NewIFCGlobalID(hi, lo uint64) string {
	var b [ifcGlobalIDLength]byte
	b[0] = ifcGUIDAlphabet[hi>>62]
	for i := 1; i < ifcGlobalIDLength; i++ {
		shift := uint(126 - 6*i) // bit offset of this 6-bit group within the 128 bits
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+6 <= 64:
			v = lo >> shift
		default:
			v = lo>>shift | hi<<(64-shift)
		}
		b[i] = ifcGUIDAlphabet[v&63]
	}
	return string(b[:])
}

// GenerateIFC writes a deterministic, syntactically valid IFC4 file of at least targetBytes (it stops after
// the first storey that reaches the target): a project, site and building, then storeys of walls, columns,
// slabs, doors and windows, each element with its own placement, extruded geometry and property set, and the
// aggregation, containment and property relationships. The same seed always gives the same bytes. It is used
// by the benchmarks and by tools that need a large realistic file.
func GenerateIFC(w io.Writer, targetBytes int64, seed int64) error {
	g := &ifcGen{w: bufio.NewWriterSize(w, 256<<10), rng: rand.New(rand.NewPCG(uint64(seed), 0x1fc)), next: 1}
	return g.run(targetBytes)
}

type ifcGen struct {
	w       *bufio.Writer
	rng     *rand.Rand
	next    int
	written int64
	line    []byte
	err     error
}

func (g *ifcGen) guid() string { return NewIFCGlobalID(g.rng.Uint64(), g.rng.Uint64()) }

// ent writes "#n= TYPE(args);" and returns n. Arguments are raw STEP text.
func (g *ifcGen) ent(typ string, args ...string) int {
	id := g.next
	g.next++
	b := append(g.line[:0], '#')
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, "= "...)
	b = append(b, typ...)
	b = append(b, '(')
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
	}
	b = append(b, ");\n"...)
	g.line = b
	g.raw(b)
	return id
}

func (g *ifcGen) raw(b []byte) {
	if g.err != nil {
		return
	}
	n, err := g.w.Write(b)
	g.written += int64(n)
	g.err = err
}

func ref(id int) string { return "#" + strconv.Itoa(id) }

func refs(ids []int) string {
	b := []byte{'('}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '#')
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return string(append(b, ')'))
}

func str(s string) string { return "'" + s + "'" }

func stepReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	return s
}

func point(coords ...float64) string {
	b := []byte{'('}
	for i, c := range coords {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, stepReal(c)...)
	}
	return string(append(b, ')'))
}

func (g *ifcGen) run(target int64) error {
	g.raw([]byte("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [ReferenceView_V1.2]'),'2;1');\n" +
		"FILE_NAME('generated.ifc','2026-01-01T00:00:00',('itwin-local'),('itwin-local'),'itwin-local generator','GenerateIFC','');\n" +
		"FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n"))
	person := g.ent("IFCPERSON", "$", str("Generator"), str("Synthetic"), "$", "$", "$", "$", "$")
	org := g.ent("IFCORGANIZATION", "$", str("itwin-local"), "$", "$", "$")
	po := g.ent("IFCPERSONANDORGANIZATION", ref(person), ref(org), "$")
	app := g.ent("IFCAPPLICATION", ref(org), str("1.0"), str("itwin-local generator"), str("ITWINLOCAL"))
	oh := ref(g.ent("IFCOWNERHISTORY", ref(po), ref(app), "$", ".ADDED.", "$", "$", "$", "1767225600"))
	units := []int{
		g.ent("IFCSIUNIT", "*", ".LENGTHUNIT.", "$", ".METRE."),
		g.ent("IFCSIUNIT", "*", ".AREAUNIT.", "$", ".SQUARE_METRE."),
		g.ent("IFCSIUNIT", "*", ".VOLUMEUNIT.", "$", ".CUBIC_METRE."),
	}
	unitAssignment := g.ent("IFCUNITASSIGNMENT", refs(units))
	origin := g.ent("IFCCARTESIANPOINT", point(0, 0, 0))
	zAxis := g.ent("IFCDIRECTION", point(0, 0, 1))
	xAxis := g.ent("IFCDIRECTION", point(1, 0, 0))
	yAxis := g.ent("IFCDIRECTION", point(0, 1, 0))
	world := g.ent("IFCAXIS2PLACEMENT3D", ref(origin), ref(zAxis), ref(xAxis))
	north := g.ent("IFCDIRECTION", point(0, 1))
	ctx := g.ent("IFCGEOMETRICREPRESENTATIONCONTEXT", "$", str("Model"), "3", "1.E-05", ref(world), ref(north))
	body := g.ent("IFCGEOMETRICREPRESENTATIONSUBCONTEXT", str("Body"), str("Model"), "*", "*", "*", "*", ref(ctx), "$", ".MODEL_VIEW.", "$")
	project := g.ent("IFCPROJECT", str(g.guid()), oh, str("Generated tower"), "$", "$", "$", "$", refs([]int{ctx}), ref(unitAssignment))
	sitePl := g.ent("IFCLOCALPLACEMENT", "$", ref(world))
	site := g.ent("IFCSITE", str(g.guid()), oh, str("Site"), "$", "$", ref(sitePl), "$", "$", ".ELEMENT.", "$", "$", "0.", "$", "$")
	bldPl := g.ent("IFCLOCALPLACEMENT", ref(sitePl), ref(world))
	building := g.ent("IFCBUILDING", str(g.guid()), oh, str("Tower"), "$", "$", ref(bldPl), "$", "$", ".ELEMENT.", "$", "$", "$")
	g.ent("IFCRELAGGREGATES", str(g.guid()), oh, str("Project Container"), "$", ref(project), refs([]int{site}))
	g.ent("IFCRELAGGREGATES", str(g.guid()), oh, str("Site Container"), "$", ref(site), refs([]int{building}))

	var storeys []int
	for level := 0; g.err == nil && (g.written < target || level == 0); level++ {
		storeys = append(storeys, g.storey(level, oh, ref(bldPl), ref(zAxis), ref(xAxis), ref(yAxis), ref(world), ref(body)))
	}
	g.ent("IFCRELAGGREGATES", str(g.guid()), oh, str("Building Container"), "$", ref(building), refs(storeys))
	g.raw([]byte("ENDSEC;\nEND-ISO-10303-21;\n"))
	if g.err != nil {
		return g.err
	}
	return g.w.Flush()
}

// storey writes one storey with about 60 elements and returns the storey's entity number.
func (g *ifcGen) storey(level int, oh, bldPl, zAxis, xAxis, yAxis, world, body string) int {
	const height = 3.5
	z := float64(level) * height
	stPt := g.ent("IFCCARTESIANPOINT", point(0, 0, z))
	stPl := ref(g.ent("IFCLOCALPLACEMENT", bldPl, ref(g.ent("IFCAXIS2PLACEMENT3D", ref(stPt), "$", "$"))))
	storey := g.ent("IFCBUILDINGSTOREY", str(g.guid()), oh, str(fmt.Sprintf("Level %d", level+1)), "$", "$", stPl, "$", "$", ".ELEMENT.", stepReal(z))

	var contained []int
	// product writes an element with placement at (x, y, dz), rotation dir, and a box of lx*ly*lz.
	product := func(typ, name, tag string, x, y, dz float64, dir string, lx, ly, lz float64, tail ...string) int {
		pt := g.ent("IFCCARTESIANPOINT", point(x, y, dz))
		pl := g.ent("IFCLOCALPLACEMENT", stPl, ref(g.ent("IFCAXIS2PLACEMENT3D", ref(pt), zAxis, dir)))
		c2 := g.ent("IFCCARTESIANPOINT", point(lx/2, ly/2))
		prof := g.ent("IFCRECTANGLEPROFILEDEF", ".AREA.", str(name+" profile"), ref(g.ent("IFCAXIS2PLACEMENT2D", ref(c2), "$")), stepReal(lx), stepReal(ly))
		solid := g.ent("IFCEXTRUDEDAREASOLID", ref(prof), world, zAxis, stepReal(lz))
		rep := g.ent("IFCSHAPEREPRESENTATION", body, str("Body"), str("SweptSolid"), refs([]int{solid}))
		shape := g.ent("IFCPRODUCTDEFINITIONSHAPE", "$", "$", refs([]int{rep}))
		args := append([]string{str(g.guid()), oh, str(name), "$", "$", ref(pl), ref(shape), str(tag)}, tail...)
		id := g.ent(typ, args...)
		contained = append(contained, id)
		return id
	}
	r := func(lo, hi float64) float64 { return lo + g.rng.Float64()*(hi-lo) }

	var walls []int
	for i := range 24 {
		dir := xAxis
		if i%2 == 1 {
			dir = yAxis
		}
		walls = append(walls, product("IFCWALL", fmt.Sprintf("Wall L%d-%d", level+1, i+1), fmt.Sprintf("W-%d-%02d", level+1, i+1),
			r(0, 60), r(0, 40), 0, dir, r(2, 12), r(0.15, 0.4), height-0.3, ".STANDARD."))
	}
	for i := range 16 {
		product("IFCCOLUMN", fmt.Sprintf("Column L%d-%d", level+1, i+1), fmt.Sprintf("C-%d-%02d", level+1, i+1),
			float64(i%4)*15, float64(i/4)*10, 0, xAxis, 0.5, 0.5, height-0.3, ".COLUMN.")
	}
	for i := range 2 {
		product("IFCSLAB", fmt.Sprintf("Slab L%d-%d", level+1, i+1), fmt.Sprintf("S-%d-%d", level+1, i+1),
			float64(i)*30, 0, -0.3, xAxis, 30, 40, 0.3, ".FLOOR.")
	}
	for i := range 6 {
		product("IFCDOOR", fmt.Sprintf("Door L%d-%d", level+1, i+1), fmt.Sprintf("D-%d-%02d", level+1, i+1),
			r(0, 60), r(0, 40), 0, xAxis, 0.9, 0.05, 2.1, "2.1", "0.9", ".DOOR.", ".SINGLE_SWING_LEFT.", "$")
	}
	for i := range 10 {
		product("IFCWINDOW", fmt.Sprintf("Window L%d-%d", level+1, i+1), fmt.Sprintf("WIN-%d-%02d", level+1, i+1),
			r(0, 60), r(0, 40), 0.9, yAxis, 1.5, 0.08, 1.2, "1.2", "1.5", ".WINDOW.", ".SINGLE_PANEL.", "$")
	}
	g.ent("IFCRELCONTAINEDINSPATIALSTRUCTURE", str(g.guid()), oh, str(fmt.Sprintf("Level %d contents", level+1)), "$", refs(contained), ref(storey))

	// one property set per wall, as exporters write them
	for i, w := range walls {
		props := []int{
			g.ent("IFCPROPERTYSINGLEVALUE", str("IsExternal"), "$", fmt.Sprintf("IFCBOOLEAN(.%s.)", map[bool]string{true: "T", false: "F"}[i%3 == 0]), "$"),
			g.ent("IFCPROPERTYSINGLEVALUE", str("FireRating"), "$", "IFCLABEL('REI "+strconv.Itoa(30*(1+i%4))+"')", "$"),
			g.ent("IFCPROPERTYSINGLEVALUE", str("ThermalTransmittance"), "$", "IFCTHERMALTRANSMITTANCEMEASURE("+stepReal(r(0.15, 0.6))+")", "$"),
		}
		pset := g.ent("IFCPROPERTYSET", str(g.guid()), oh, str("Pset_WallCommon"), "$", refs(props))
		g.ent("IFCRELDEFINESBYPROPERTIES", str(g.guid()), oh, "$", "$", refs([]int{w}), ref(pset))
	}
	return storey
}

// ModifyIFCFraction copies an IFC file from r to w and renames about fraction (0..1) of its single-line
// elements (entities whose first attribute is a GlobalId), chosen deterministically by seed: their third
// attribute (IfcRoot.Name) gets the suffix " (rev)", or becomes 'rev' when unset. Every other byte is copied
// unchanged, so exactly the returned number of elements change their hash and no key changes.
func ModifyIFCFraction(r io.Reader, w io.Writer, fraction float64, seed int64) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x3d1f))
	br := bufio.NewReaderSize(r, 256<<10)
	bw := bufio.NewWriterSize(w, 256<<10)
	changed := 0
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // a very long line: copy it through untouched
			if _, werr := bw.Write(line); werr != nil {
				return changed, werr
			}
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				if _, werr := bw.Write(line); werr != nil {
					return changed, werr
				}
			}
			line = nil
		}
		if len(line) > 0 {
			if out, ok := renameElementLine(line); ok && rng.Float64() < fraction {
				line = out
				changed++
			}
			if _, werr := bw.Write(line); werr != nil {
				return changed, werr
			}
		}
		if err == io.EOF {
			return changed, bw.Flush()
		}
		if err != nil {
			return changed, err
		}
	}
}

// renameElementLine returns the line with the Name attribute changed, if it is a one-line element entity.
func renameElementLine(line []byte) ([]byte, bool) {
	trimmed := bytes.TrimRight(line, "\r\n")
	if len(trimmed) == 0 || trimmed[0] != '#' || !bytes.HasSuffix(trimmed, []byte(");")) {
		return nil, false
	}
	open := bytes.IndexByte(trimmed, '(')
	if open < 0 {
		return nil, false
	}
	if _, ok := globalIDAttr(trimmed[open:]); !ok {
		return nil, false
	}
	// skip the GlobalId and the owner history (a reference or $), then the Name
	i := open + 1 + ifcGlobalIDLength + 2 + 1
	comma := bytes.IndexByte(trimmed[i:], ',')
	if comma < 0 {
		return nil, false
	}
	i += comma + 1
	var out []byte
	switch {
	case i < len(trimmed) && trimmed[i] == '$':
		out = append(append(append(out, trimmed[:i]...), "'rev'"...), trimmed[i+1:]...)
	case i < len(trimmed) && trimmed[i] == '\'':
		j := i + 1
		for j < len(trimmed) {
			if trimmed[j] == '\'' {
				if j+1 < len(trimmed) && trimmed[j+1] == '\'' {
					j += 2
					continue
				}
				break
			}
			j++
		}
		if j >= len(trimmed) {
			return nil, false
		}
		out = append(append(append(out, trimmed[:j]...), " (rev)"...), trimmed[j:]...)
	default:
		return nil, false
	}
	return append(out, line[len(trimmed):]...), true
}
