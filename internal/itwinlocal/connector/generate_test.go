package connector

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func generate(t testing.TB, size int64, seed int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := GenerateIFC(&b, size, seed); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGenerateIFC(t *testing.T) {
	const size = 2 << 20
	a := generate(t, size, 1)
	if len(a) < size || len(a) > size+200<<10 {
		t.Errorf("generated %d bytes for a target of %d", len(a), size)
	}
	if !bytes.Equal(a, generate(t, size, 1)) {
		t.Error("same seed, different bytes")
	}
	if bytes.Equal(a, generate(t, size, 2)) {
		t.Error("different seeds, same bytes")
	}
	els := mustExtract(t, IFC{}, string(a), Options{})
	classes := map[string]int{}
	for _, e := range els {
		classes[e.Class]++
	}
	for _, c := range []string{"IFCPROJECT", "IFCSITE", "IFCBUILDING", "IFCBUILDINGSTOREY", "IFCWALL", "IFCCOLUMN", "IFCSLAB", "IFCDOOR", "IFCWINDOW",
		"IFCRELAGGREGATES", "IFCRELCONTAINEDINSPATIALSTRUCTURE", "IFCPROPERTYSET", "IFCRELDEFINESBYPROPERTIES"} {
		if classes[c] == 0 {
			t.Errorf("no %s in the generated file (%v)", c, classes)
		}
	}
	if classes["IFCWALL"] != 24*classes["IFCBUILDINGSTOREY"] {
		t.Errorf("classes = %v", classes)
	}
	// a tiny target still writes a complete file
	if tiny := mustExtract(t, IFC{}, string(generate(t, 1, 3)), Options{}); len(tiny) < 10 {
		t.Errorf("tiny file has %d elements", len(tiny))
	}
}

func TestModifyIFCFraction(t *testing.T) {
	src := generate(t, 1<<20, 7)
	base := hashesOf(mustExtract(t, IFC{}, string(src), Options{}))

	modify := func(fraction float64) ([]byte, int) {
		var out bytes.Buffer
		n, err := ModifyIFCFraction(bytes.NewReader(src), &out, fraction, 42)
		if err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), n
	}
	same, n := modify(0)
	if n != 0 || !bytes.Equal(same, src) {
		t.Fatalf("fraction 0 changed %d elements", n)
	}
	onePercent, n := modify(0.01)
	if n < len(base)/200 || n > len(base)/50 {
		t.Fatalf("fraction 0.01 changed %d of %d elements", n, len(base))
	}
	ch, _, err := Diff(base, func(emit func(Element) error) error {
		return IFC{}.Extract(context.Background(), bytes.NewReader(onePercent), Options{}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Updated) != n || len(ch.Inserted) != 0 || len(ch.Deleted) != 0 {
		t.Errorf("1%%: %d updated, %d inserted, %d deleted; want exactly the %d renamed", len(ch.Updated), len(ch.Inserted), len(ch.Deleted), n)
	}
	again, _ := modify(0.01)
	if !bytes.Equal(again, onePercent) {
		t.Error("the same seed chose different elements")
	}
	_, all := modify(1)
	if all != len(base) {
		t.Errorf("fraction 1 changed %d of %d elements", all, len(base))
	}

	// names with quotes and unset names
	for in, want := range map[string]string{
		"#9= IFCWALL('0000000000000000000001',#5,'It''s',$);\n": "#9= IFCWALL('0000000000000000000001',#5,'It''s (rev)',$);\n",
		"#9= IFCWALL('0000000000000000000001',#5,$,$);\r\n":     "#9= IFCWALL('0000000000000000000001',#5,'rev',$);\r\n",
	} {
		var out strings.Builder
		if n, err := ModifyIFCFraction(strings.NewReader(in), &out, 1, 1); err != nil || n != 1 || out.String() != want {
			t.Errorf("ModifyIFCFraction(%q) = %q, %d, %v; want %q", in, out.String(), n, err, want)
		}
	}
}
