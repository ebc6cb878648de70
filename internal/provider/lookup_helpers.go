package provider

import (
	"fmt"
	"strings"
)

// Data sources that find an object by a name list the candidates with the server's filter, then keep the exact
// matches here: a server may treat the filter more loosely (a substring, another case), and the user asked for
// one name. A case-insensitive match is accepted only when no candidate matches exactly.

// exactMatches returns the items whose key equals want, or, when none does, those equal to it ignoring case.
func exactMatches[T any](items []T, key func(T) string, want string) []T {
	var exact, folded []T
	for _, it := range items {
		switch k := key(it); {
		case k == want:
			exact = append(exact, it)
		case strings.EqualFold(k, want):
			folded = append(folded, it)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}

// describeMatches lists several matches as `id ("name")`, at most 10, for an "ambiguous" diagnostic.
func describeMatches[T any](items []T, id, name func(T) string) string {
	const most = 10
	parts := make([]string, 0, min(len(items), most))
	for i, it := range items {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%q)", id(it), name(it)))
	}
	return strings.Join(parts, ", ")
}
