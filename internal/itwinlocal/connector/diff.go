package connector

import (
	"context"
	"io"
	"slices"
)

// Changes is the difference between the elements a file produced last time and now.
type Changes struct {
	Inserted []string // keys new in this version, sorted
	Updated  []string // keys whose hash changed, sorted
	Deleted  []string // keys that are gone, sorted
	// Elements holds the new version of every inserted and updated element, by key. Unchanged elements are not
	// kept, so an unchanged re-sync of a large file costs only the key->hash maps.
	Elements  map[string]Element
	Unchanged int // number of elements whose hash is the same as before
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Inserted) == 0 && len(c.Updated) == 0 && len(c.Deleted) == 0
}

// Diff runs extract and compares what it emits with old (key -> hash from the previous successful run of this
// file; nil for a first sync). It returns the changes and the new key -> hash map to store.
//
// Diff streams: it keeps only the two key->hash maps plus the changed elements, never element content. A key
// emitted twice is a TAE_PARSE_ERROR naming the key (the format connectors report duplicates themselves, with
// lines; this guards any other extract function). When extract fails, Diff returns its error unchanged and no
// changes: a file that cannot be read changes nothing.
func Diff(old map[string]string, extract func(emit func(Element) error) error) (Changes, map[string]string, error) {
	next := make(map[string]string, len(old))
	ch := Changes{Elements: map[string]Element{}}
	err := extract(func(e Element) error {
		if _, dup := next[e.Key]; dup {
			return parseError(0, "element key %q occurs more than once", e.Key)
		}
		next[e.Key] = e.Hash
		prev, existed := old[e.Key]
		switch {
		case !existed:
			ch.Inserted = append(ch.Inserted, e.Key)
			ch.Elements[e.Key] = e
		case prev != e.Hash:
			ch.Updated = append(ch.Updated, e.Key)
			ch.Elements[e.Key] = e
		default:
			ch.Unchanged++
		}
		return nil
	})
	if err != nil {
		return Changes{}, nil, err
	}
	for k := range old {
		if _, ok := next[k]; !ok {
			ch.Deleted = append(ch.Deleted, k)
		}
	}
	slices.Sort(ch.Inserted)
	slices.Sort(ch.Updated)
	slices.Sort(ch.Deleted)
	return ch, next, nil
}

// SyncFile is what a task does with one source file: pick the connector for connectorType and fileName (For),
// read r with it and diff the elements against old (Diff). Errors are those of For and Connector.Extract.
func SyncFile(ctx context.Context, connectorType, fileName string, r io.Reader, opts Options, old map[string]string) (Changes, map[string]string, error) {
	c, err := For(connectorType, fileName)
	if err != nil {
		return Changes{}, nil, err
	}
	return Diff(old, func(emit func(Element) error) error { return c.Extract(ctx, r, opts, emit) })
}
