package itwinlocal

import (
	"bytes"
	"strings"
	"testing"
)

// TestMintedIDsNeverStartWithDash feeds the minting chosen bytes: a first draw that would encode a leading '-' is
// discarded and the next one used (spec §11p).
func TestMintedIDsNeverStartWithDash(t *testing.T) {
	dash := append([]byte{62 << 2}, bytes.Repeat([]byte{0xAB}, 31)...) // top six bits 62 = '-'
	underscore := append([]byte{63 << 2}, bytes.Repeat([]byte{0xCD}, 31)...)
	src := bytes.NewReader(append(append(append([]byte{}, dash...), dash...), underscore...))
	id := newIDFrom(src)
	if len(id) != 43 || !IsBase64ID(id) || id[0] != '_' || src.Len() != 0 {
		t.Fatalf("id %q from the third draw expected (%d bytes left)", id, src.Len())
	}
	// The control: the rejected draw really encodes a leading '-'.
	if first := newIDFromUnchecked(dash); first[0] != '-' {
		t.Fatalf("control: %q", first)
	}
	// An accepted first draw is used as is.
	plain := bytes.Repeat([]byte{0x10}, 32)
	if got := newIDFrom(bytes.NewReader(plain)); got != newIDFromUnchecked(plain) {
		t.Fatalf("a valid draw changed: %q", got)
	}
	for i := range 2000 {
		if id := NewID(); strings.HasPrefix(id, "-") || !IsBase64ID(id) {
			t.Fatalf("mint %d: %q", i, id)
		}
	}
}

func newIDFromUnchecked(b []byte) string { return b64.EncodeToString(b) }
