package provider

import (
	"slices"
	"strings"
	"testing"
)

func TestExactMatches(t *testing.T) {
	id := func(s string) string { return s }
	if got := exactMatches([]string{"Plant", "plant", "Plant 2"}, id, "Plant"); !slices.Equal(got, []string{"Plant"}) {
		t.Errorf("exact = %v", got)
	}
	// Only when nothing matches exactly, a different case does.
	if got := exactMatches([]string{"PLANT", "plant", "Plant 2"}, id, "Plant"); !slices.Equal(got, []string{"PLANT", "plant"}) {
		t.Errorf("case-insensitive = %v", got)
	}
	if got := exactMatches([]string{"Plant 2"}, id, "Plant"); len(got) != 0 {
		t.Errorf("substring matched: %v", got)
	}
}

func TestDescribeMatches(t *testing.T) {
	var items []string
	for i := range 12 {
		items = append(items, string(rune('a'+i)))
	}
	got := describeMatches(items, func(s string) string { return "id-" + s }, strings.ToUpper)
	if !strings.HasPrefix(got, `id-a ("A"), id-b ("B")`) || !strings.HasSuffix(got, `id-j ("J"), and 2 more`) {
		t.Errorf("describeMatches = %s", got)
	}
}
